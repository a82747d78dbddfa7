namespace VirtTools.Storage;

/// <summary>What Add-VMGuestDisk asks for: an existing image (Path) or a new volume (NewSizeBytes in StoragePool).</summary>
public sealed record DiskAddRequest
{
    public string? Path { get; init; }
    public long? NewSizeBytes { get; init; }
    public string? StoragePool { get; init; }
    /// <summary>virtio, scsi or sata; null picks virtio (xen for Xen guests).</summary>
    public string? Bus { get; init; }
    public bool ReadOnly { get; init; }
    public bool Shareable { get; init; }
}

/// <summary>A checked disk change: the target it acts on (chosen for a new disk) and the calls to make.</summary>
public sealed record DiskChange(string Target, Guests.GuestChangePlan Plan);
