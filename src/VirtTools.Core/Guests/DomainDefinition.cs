using VirtTools.Pci;

namespace VirtTools.Guests;

/// <summary>One disk of a domain definition.</summary>
/// <param name="Source">The file, block device, pool/volume or network name (rbd pool/image ...); null when the drive is empty.</param>
/// <param name="Pool">The storage pool of a type='volume' disk.</param>
public sealed record DomainDisk(string Target, string Device, string SourceType, string? Format, string? Source, string? Pool,
    bool ReadOnly, bool Shareable)
{
    /// <summary>A network disk (rbd, iscsi, nbd ...) is reachable from any host; a file or block device is only where it is.</summary>
    public bool IsLocal => SourceType is "file" or "block" or "volume" && Source is not null;
}

/// <summary>
/// The facts of a domain's XML that VirtTools reads: VMGuest objects are built from it, and the
/// snapshot and migration pre-flight checks decide their refusals from it before libvirt is asked.
/// </summary>
public sealed class DomainDefinition
{
    public string Name { get; init; } = "";
    public Guid? Uuid { get; init; }
    /// <summary>The domain type attribute: kvm, qemu, xen, test.</summary>
    public string DomainType { get; init; } = "";
    public bool IsXen => DomainType == "xen";
    /// <summary>FV, PV or PVHVM.</summary>
    public string Mode { get; init; } = "";
    /// <summary>Bios or Uefi; null for Xen PV (no firmware).</summary>
    public string? Firmware { get; init; }
    /// <summary>UEFI firmware in pflash (os firmware='efi' or loader type='pflash'): QEMU keeps NVRAM outside any qcow2 disk.</summary>
    public bool UsesPflash { get; init; }
    /// <summary>&lt;currentMemory&gt; (the balloon's target), else &lt;memory&gt;.</summary>
    public long MemoryBytes { get; init; }
    /// <summary>&lt;memory&gt;: the ceiling while the guest runs.</summary>
    public long MaximumMemoryBytes { get; init; }
    /// <summary>&lt;vcpu current=...&gt;, else the &lt;vcpu&gt; count.</summary>
    public int ProcessorCount { get; init; }
    /// <summary>&lt;vcpu&gt;: the ceiling for hot-plug.</summary>
    public int MaximumProcessorCount { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<DomainDisk> Disks { get; init; } = Array.Empty<DomainDisk>();
    /// <summary>"network:default", "bridge:br0", "direct:eth0" ...</summary>
    public IReadOnlyList<string> Interfaces { get; init; } = Array.Empty<string>();
    /// <summary>PCI host devices (hostdev mode=subsystem type=pci).</summary>
    public IReadOnlyList<PciAddress> PciHostDevices { get; init; } = Array.Empty<PciAddress>();

    /// <summary>Every disk and cdrom source (what VMGuest.Disks shows): paths, pool/volume, protocol://host/name, nvme://address/namespace.</summary>
    public IEnumerable<string> DiskSources => Disks.Where(d => d.Source is not null).Select(d => d.Source!);

    /// <summary>Only device='disk' files and block devices: what -RemoveStorage may delete (never a cdrom's ISO).</summary>
    public IEnumerable<string> OwnedDiskSources =>
        Disks.Where(d => d.Device == "disk" && d.SourceType is "file" or "block" && d.Pool is null && d.Source is not null).Select(d => d.Source!);
}
