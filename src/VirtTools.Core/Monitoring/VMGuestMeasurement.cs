namespace VirtTools;

/// <summary>
/// One guest over one sample interval (Measure-VMGuest): cumulative counters at the interval's end and
/// rates per second over it. Bytes, seconds; CpuPercent is of one host CPU (as top shows it: a guest busy on
/// two vCPUs is near 200). A null is a figure the driver did not report.
/// </summary>
public sealed class VMGuestMeasurement
{
    public string Name { get; internal init; } = "";
    public Guid Uuid { get; internal init; }
    public string ConnectionUri { get; internal init; } = "";
    public string? State { get; internal init; }
    /// <summary>When the interval ended (UTC).</summary>
    public DateTime Timestamp { get; internal init; }
    /// <summary>1 for the first interval, 2 for the next ...</summary>
    public int SampleNumber { get; internal init; }
    /// <summary>The interval the rates are over, as measured.</summary>
    public TimeSpan SampleInterval { get; internal init; }
    /// <summary>CPU time the guest used since it started (cpu.time).</summary>
    public TimeSpan? CpuTime { get; internal init; }
    public double? CpuPercent { get; internal init; }
    public int? ProcessorCount { get; internal init; }
    public int? MaximumProcessorCount { get; internal init; }
    /// <summary>The balloon's current size: what the guest has now (balloon.current).</summary>
    public long? MemoryBytes { get; internal init; }
    /// <summary>What the guest OS sees as its memory (balloon.available; needs the guest's balloon driver).</summary>
    public long? MemoryAvailableBytes { get; internal init; }
    /// <summary>What the guest OS leaves unused (balloon.unused; needs the guest's balloon driver and a stats period).</summary>
    public long? MemoryUnusedBytes { get; internal init; }
    /// <summary>The host memory the guest's process holds (balloon.rss).</summary>
    public long? MemoryRssBytes { get; internal init; }
    public VMGuestDiskMeasurement[] Disks { get; internal init; } = Array.Empty<VMGuestDiskMeasurement>();
    public VMGuestNetworkMeasurement[] NetworkAdapters { get; internal init; } = Array.Empty<VMGuestNetworkMeasurement>();
    /// <summary>Sums over <see cref="Disks"/>.</summary>
    public double? DiskReadBytesPerSecond { get; internal init; }
    public double? DiskWriteBytesPerSecond { get; internal init; }
    public double? DiskReadOperationsPerSecond { get; internal init; }
    public double? DiskWriteOperationsPerSecond { get; internal init; }
    /// <summary>Sums over <see cref="NetworkAdapters"/>.</summary>
    public double? NetworkReceivedBytesPerSecond { get; internal init; }
    public double? NetworkSentBytesPerSecond { get; internal init; }

    public override string ToString() => Name;
}
