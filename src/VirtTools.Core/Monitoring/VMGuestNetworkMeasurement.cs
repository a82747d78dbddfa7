namespace VirtTools;

/// <summary>One NIC of a measured guest (the host side: received is what the guest received): counters and rates.</summary>
public sealed class VMGuestNetworkMeasurement
{
    /// <summary>The host's interface (vnet0).</summary>
    public string Name { get; internal init; } = "";
    public long? ReceivedBytes { get; internal init; }
    public long? SentBytes { get; internal init; }
    public long? ReceivedPackets { get; internal init; }
    public long? SentPackets { get; internal init; }
    public long? ReceivedDrops { get; internal init; }
    public long? SentDrops { get; internal init; }
    public double? ReceivedBytesPerSecond { get; internal init; }
    public double? SentBytesPerSecond { get; internal init; }
    public double? ReceivedPacketsPerSecond { get; internal init; }
    public double? SentPacketsPerSecond { get; internal init; }
    public double? ReceivedDropsPerSecond { get; internal init; }
    public double? SentDropsPerSecond { get; internal init; }

    public override string ToString() => Name;
}
