using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using VirtTools.Host;
using VirtTools.Pci;

namespace VirtTools.HostUsage;

/// <summary>A libvirt guest whose definition names a PCI function as a hostdev (or a hostdev interface).</summary>
public sealed record GuestDeviceUse(string Guest, PciAddress Address, string File, bool Running);

/// <summary>
/// The PCI functions named in libvirt's guest definitions, read from its files: persistent
/// definitions in /etc/libvirt/{qemu,libxl}/*.xml and the status files of running guests in
/// /run/libvirt/{qemu,libxl}/*.xml. Needs no daemon, so it works on a captured root too.
/// </summary>
public sealed class GuestDefinitions
{
    private static readonly (string Dir, bool Running)[] Dirs =
    {
        ("/etc/libvirt/qemu", false), ("/etc/libvirt/libxl", false),
        ("/run/libvirt/qemu", true), ("/run/libvirt/libxl", true),
    };

    private readonly IHostFileSystem _fs;
    private List<GuestDeviceUse>? _uses;

    public GuestDefinitions(IHostFileSystem fs) => _fs = fs;

    /// <summary>Files that could not be read or parsed, with why.</summary>
    public List<string> Problems { get; } = new();

    public IReadOnlyList<GuestDeviceUse> Of(PciAddress a) => (_uses ??= Scan()).Where(u => u.Address == a).ToList();

    private List<GuestDeviceUse> Scan()
    {
        var uses = new List<GuestDeviceUse>();
        foreach (var (dir, running) in Dirs)
        {
            IReadOnlyList<string> names;
            try { names = _fs.List(dir); }
            catch (HostIOException e) { Problems.Add($"{dir}: {HostIOException.Describe(e.Errno)}"); continue; }
            foreach (var n in names.Where(n => n.EndsWith(".xml", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                var path = $"{dir}/{n}";
                XDocument doc;
                try { doc = XDocument.Parse(_fs.ReadAllText(path)); }
                catch (HostIOException e) { Problems.Add($"{path}: {HostIOException.Describe(e.Errno)}"); continue; }
                catch (XmlException e) { Problems.Add($"{path}: {e.Message}"); continue; }
                // A status file wraps the live definition in <domstatus>; a definition is <domain> itself.
                var domain = doc.Root?.Name.LocalName == "domain" ? doc.Root : doc.Root?.Element("domain");
                if (domain is null) continue;
                var guest = domain.Element("name")?.Value ?? Path.GetFileNameWithoutExtension(n);
                var devices = domain.Element("devices");
                if (devices is null) continue;
                var sources = devices.Elements("hostdev").Where(h => (string?)h.Attribute("type") == "pci")
                    .Concat(devices.Elements("interface").Where(i => (string?)i.Attribute("type") == "hostdev"))
                    .Select(e => e.Element("source")?.Element("address"))
                    .OfType<XElement>();
                foreach (var addr in sources)
                {
                    if (Parse(addr) is not PciAddress a) continue;
                    // A running guest has both a definition and a status file: the status file says it runs.
                    var seen = uses.FindIndex(u => u.Guest == guest && u.Address == a);
                    if (seen < 0) uses.Add(new GuestDeviceUse(guest, a, path, running));
                    else if (running && !uses[seen].Running) uses[seen] = new GuestDeviceUse(guest, a, path, true);
                }
            }
        }
        return uses;
    }

    /// <summary>libvirt's address attributes: hex with 0x ("0x03") or decimal ("3"), as it parses them.</summary>
    private static PciAddress? Parse(XElement address)
    {
        static int? Num(XElement e, string name)
        {
            var v = ((string?)e.Attribute(name))?.Trim();
            if (string.IsNullOrEmpty(v)) return name == "domain" ? 0 : null;
            if (v.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
                return int.TryParse(v[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var h) ? h : null;
            return int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d : null;
        }
        var type = (string?)address.Attribute("type");
        if (type is not null && type != "pci") return null;
        if (Num(address, "domain") is not int dom || Num(address, "bus") is not int bus ||
            Num(address, "slot") is not int slot || Num(address, "function") is not int fn) return null;
        if (slot > 0x1f || fn > 7 || bus > 0xff) return null;
        return new PciAddress(dom, bus, slot, fn);
    }
}
