namespace VirtTools;

/// <summary>What one Move-VMGuest did, with the times libvirt measured. Runbooks depend on these names.</summary>
public sealed class VMGuestMigration
{
    public string Name { get; set; } = "";
    public string SourceUri { get; set; } = "";
    public string DestinationUri { get; set; } = "";
    /// <summary>Live (the guest kept running), Offline (only the definition moved) or Paused (stopped during the copy).</summary>
    public string Mode { get; set; } = "";
    /// <summary>From the call until the guest ran on the destination, measured by VirtTools.</summary>
    public TimeSpan TotalTime { get; set; }
    /// <summary>How long the guest was paused at the switch-over, as QEMU measured it; null when libvirt does not say.</summary>
    public TimeSpan? Downtime { get; set; }
    /// <summary>Bytes sent (memory and, with -CopyStorage, disks); null when libvirt does not say.</summary>
    public long? DataTransferredBytes { get; set; }
    /// <summary>Memory passes before the switch-over; more than a few means the guest dirties memory fast.</summary>
    public int? MemoryIterations { get; set; }
    /// <summary>The bandwidth limit asked for, MiB/s; null when unthrottled.</summary>
    public long? BandwidthMiBps { get; set; }
}
