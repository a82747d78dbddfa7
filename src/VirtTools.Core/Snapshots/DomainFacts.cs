using System.Xml.Linq;
using VirtTools.Guests;

namespace VirtTools.Snapshots;

/// <summary>One disk of a domain definition, as the snapshot and migration checks need it.</summary>
public sealed record DomainDisk(string Target, string Device, string SourceType, string? Format, string? Source,
    bool ReadOnly, bool Shareable)
{
    /// <summary>A network disk (rbd, iscsi, nbd ...) is reachable from any host; a file or block device is only where it is.</summary>
    public bool IsLocal => SourceType is "file" or "block" or "volume" && Source is not null;
}

/// <summary>
/// What the snapshot and migration pre-flight checks read from a domain's XML: refusals are decided
/// from the definition before libvirt is asked, so that the user gets the reason and the fix.
/// </summary>
public sealed class DomainFacts
{
    public string Name { get; private init; } = "";
    /// <summary>The domain type attribute: kvm, qemu, xen, test.</summary>
    public string DomainType { get; private init; } = "";
    public bool IsXen => DomainType == "xen";
    /// <summary>PCI host devices (hostdev mode=subsystem type=pci) as 0000:03:00.0 addresses.</summary>
    public IReadOnlyList<string> PciHostDevices { get; private init; } = Array.Empty<string>();
    /// <summary>UEFI firmware in pflash (os firmware='efi' or loader type='pflash'): QEMU keeps NVRAM outside any qcow2 disk.</summary>
    public bool UsesPflash { get; private init; }
    public IReadOnlyList<DomainDisk> Disks { get; private init; } = Array.Empty<DomainDisk>();

    public static DomainFacts Parse(string domainXml)
    {
        var root = XDocument.Parse(domainXml).Root ?? throw new FormatException("empty domain XML");
        var os = root.Element("os");
        var loader = os?.Element("loader");
        bool pflash = (string?)os?.Attribute("firmware") == "efi" || (string?)loader?.Attribute("type") == "pflash";

        var hostdevs = GuestReader.HostDeviceAddresses(root).Select(a => a.ToString()).ToArray();

        var disks = root.Element("devices")?.Elements("disk").Select(d =>
        {
            var src = d.Element("source");
            string? source = (string?)src?.Attribute("file") ?? (string?)src?.Attribute("dev")
                ?? (string?)src?.Attribute("volume") ?? (string?)src?.Attribute("name");
            return new DomainDisk(
                (string?)d.Element("target")?.Attribute("dev") ?? "",
                (string?)d.Attribute("device") ?? "disk",
                (string?)d.Attribute("type") ?? "file",
                (string?)d.Element("driver")?.Attribute("type"),
                source,
                d.Element("readonly") is not null,
                d.Element("shareable") is not null);
        }).ToArray() ?? Array.Empty<DomainDisk>();

        return new DomainFacts
        {
            Name = (string?)root.Element("name") ?? "",
            DomainType = (string?)root.Attribute("type") ?? "",
            PciHostDevices = hostdevs,
            UsesPflash = pflash,
            Disks = disks,
        };
    }
}
