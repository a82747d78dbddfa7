namespace VirtTools;

/// <summary>A libvirt storage pool as Get-VMStoragePool shows it (virsh pool-list --details and pool-dumpxml in one object).</summary>
public sealed class VMStoragePool
{
    public string Name { get; internal init; } = "";
    /// <summary>dir, fs, netfs, logical, disk, iscsi, rbd ...</summary>
    public string Type { get; internal init; } = "";
    public bool Active { get; internal init; }
    public bool Autostart { get; internal init; }
    public bool Persistent { get; internal init; }
    /// <summary>Where its volumes are (a directory, a volume group's /dev/VG); null when it has no target path.</summary>
    public string? Path { get; internal init; }
    /// <summary>What the pool is made from: SERVER:/export for netfs (//SERVER/share for CIFS), the volume group for logical; null for dir.</summary>
    public string? Source { get; internal init; }
    /// <summary>A logical or disk pool's block devices, as its definition names them.</summary>
    public string[] SourceDevices { get; internal init; } = Array.Empty<string>();
    public long CapacityBytes { get; internal init; }
    public long AllocationBytes { get; internal init; }
    public long AvailableBytes { get; internal init; }
    public string ConnectionUri { get; internal init; } = "";

    public override string ToString() => Name;
}
