using System.Globalization;
using System.Xml.Linq;

namespace VirtTools.Storage;

/// <summary>
/// Reads the &lt;disk&gt; elements of a domain XML: every kind libvirt has (file, block, volume, network,
/// nvme, vhost-user, dir), and which one the guest boots from.
/// </summary>
public static class GuestDiskReader
{
    public static IEnumerable<XElement> Elements(XElement domain) =>
        domain.Element("devices")?.Elements("disk") ?? Enumerable.Empty<XElement>();

    public static string TargetOf(XElement disk) => (string?)disk.Element("target")?.Attribute("dev") ?? "";

    /// <summary>The &lt;disk&gt; with this target, matched whole and case-sensitively as libvirt does; null when none.</summary>
    public static XElement? Find(XElement domain, string target) =>
        Elements(domain).FirstOrDefault(d => string.Equals(TargetOf(d), target, StringComparison.Ordinal));

    public static IReadOnlyList<VMGuestDisk> Read(XElement domain, string guestName, string connectionUri, bool live)
    {
        var boot = BootTarget(domain);
        return Elements(domain).Select(d =>
        {
            var target = TargetOf(d);
            var s = d.Element("source");
            return new VMGuestDisk
            {
                GuestName = guestName,
                Target = target,
                Bus = (string?)d.Element("target")?.Attribute("bus"),
                Device = (string?)d.Attribute("device") ?? "disk",
                SourceType = (string?)d.Attribute("type") ?? "file",
                Source = SourceText(d),
                Pool = (string?)s?.Attribute("volume") is null ? null : (string?)s?.Attribute("pool"),
                Format = (string?)d.Element("driver")?.Attribute("type"),
                BackingChain = BackingChain(d),
                ReadOnly = d.Element("readonly") is not null,
                Shareable = d.Element("shareable") is not null,
                BootOrder = BootOrder(d),
                IsBootDisk = target.Length > 0 && target == boot,
                Live = live,
                ConnectionUri = connectionUri,
            };
        }).ToList();
    }

    /// <summary>
    /// Where the disk's data is, as one string: a path, pool/volume, protocol://host[:port]/name for a
    /// network disk, nvme://address/namespace, the vhost-user socket; null for an empty drive.
    /// </summary>
    public static string? SourceText(XElement disk)
    {
        var s = disk.Element("source");
        if (s is null) return null;
        var type = (string?)disk.Attribute("type") ?? "file";
        switch (type)
        {
            case "network":
            {
                var protocol = (string?)s.Attribute("protocol") ?? "network";
                var name = ((string?)s.Attribute("name") ?? "").TrimStart('/');
                var host = s.Element("host");
                var hostText = host is null ? "" : (string?)host.Attribute("name") ?? (string?)host.Attribute("socket") ?? "";
                if (host is not null && (string?)host.Attribute("port") is { } port) hostText += ":" + port;
                return $"{protocol}://{hostText}/{name}";
            }
            case "nvme":
            {
                var a = s.Element("address");
                string Hex(string attr, int width) =>
                    int.TryParse(((string?)a?.Attribute(attr) ?? "0").Replace("0x", "", StringComparison.OrdinalIgnoreCase), NumberStyles.HexNumber,
                        CultureInfo.InvariantCulture, out var v) ? v.ToString("x" + width, CultureInfo.InvariantCulture) : "?";
                var ns = (string?)s.Attribute("namespace") ?? "1";
                return $"nvme://{Hex("domain", 4)}:{Hex("bus", 2)}:{Hex("slot", 2)}.{Hex("function", 1)}/{ns}";
            }
            case "volume":
                return (string?)s.Attribute("pool") is { } pool && (string?)s.Attribute("volume") is { } vol ? $"{pool}/{vol}" : null;
            default:
                return (string?)s.Attribute("file") ?? (string?)s.Attribute("dev") ?? (string?)s.Attribute("dir")
                    ?? (string?)s.Attribute("path") ?? (string?)s.Attribute("name");
        }
    }

    /// <summary>The nested &lt;backingStore&gt; sources of a disk (or of a volume's XML), nearest first; stops at an empty one.</summary>
    public static IReadOnlyList<string> BackingChain(XElement diskOrVolume)
    {
        var chain = new List<string>();
        for (var b = diskOrVolume.Element("backingStore"); b is not null; b = b.Element("backingStore"))
        {
            var s = b.Element("source");
            var path = (string?)s?.Attribute("file") ?? (string?)s?.Attribute("dev") ?? (string?)b.Element("path");
            if (path is null) break;
            chain.Add(path);
        }
        return chain;
    }

    private static int? BootOrder(XElement disk) =>
        int.TryParse((string?)disk.Element("boot")?.Attribute("order"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var o) ? o : null;

    /// <summary>
    /// The disk the guest boots from: with per-device boot orders, the disk of the lowest order (when a
    /// NIC or hostdev comes first the guest still falls back to it); without them, the first
    /// device='disk' when &lt;os&gt; boots from hd (libvirt's default). Null when it boots from nothing of these,
    /// or from a kernel given in &lt;os&gt;.
    /// </summary>
    public static string? BootTarget(XElement domain)
    {
        var disks = Elements(domain).ToList();
        var ordered = disks.Where(d => BootOrder(d) is not null).OrderBy(d => BootOrder(d)).FirstOrDefault();
        if (ordered is not null) return TargetOf(ordered);
        var anyOrder = domain.Element("devices")?.Elements().Any(e => e.Element("boot")?.Attribute("order") is not null) == true;
        if (anyOrder) return null;
        var os = domain.Element("os");
        // Direct kernel boot: QEMU (or Xen) loads the kernel itself and no disk is booted from.
        if (os?.Element("kernel") is not null) return null;
        var bootDevs = os?.Elements("boot").Select(b => (string?)b.Attribute("dev")).ToList() ?? new List<string?>();
        if (bootDevs.Count > 0 && !bootDevs.Contains("hd")) return null;
        var first = disks.FirstOrDefault(d => ((string?)d.Attribute("device") ?? "disk") == "disk");
        return first is null ? null : TargetOf(first);
    }

    /// <summary>Every target in use by any of these domain XMLs (the running guest and its definition can differ).</summary>
    public static ISet<string> UsedTargets(params XElement?[] domains) =>
        domains.Where(d => d is not null).SelectMany(d => Elements(d!)).Select(TargetOf).Where(t => t.Length > 0).ToHashSet(StringComparer.Ordinal);
}
