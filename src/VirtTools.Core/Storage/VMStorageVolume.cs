namespace VirtTools;

/// <summary>A volume of a libvirt storage pool as Get-VMStorageVolume shows it, with the guests that use it.</summary>
public sealed class VMStorageVolume
{
    /// <summary>The pool's name (StoragePool, so that a volume piped to a pool cmdlet binds as the pool it is in).</summary>
    public string StoragePool { get; internal init; } = "";
    public string Name { get; internal init; } = "";
    public string Path { get; internal init; } = "";
    /// <summary>qcow2, raw, iso ... as libvirt probed it.</summary>
    public string? Format { get; internal init; }
    public long CapacityBytes { get; internal init; }
    public long AllocationBytes { get; internal init; }
    /// <summary>The backing file of an overlay (qcow2 with a backing store); null for none.</summary>
    public string? BackingFile { get; internal init; }
    /// <summary>The guests whose definition or running state has it as a disk (or in a disk's backing chain).</summary>
    public string[] UsedBy { get; internal init; } = Array.Empty<string>();
    public string ConnectionUri { get; internal init; } = "";

    public override string ToString() => Name;
}
