using VirtTools.Libvirt;

namespace VirtTools.Monitoring;

/// <summary>
/// One guest's cumulative counters from one bulk statistics call, in bytes, nanoseconds and counts (libvirt
/// gives balloon figures in KiB). A null is a figure (or, for Disks and Nics, a group) the driver did not report.
/// </summary>
public sealed record GuestStatsSample(
    string Name, Guid Uuid, long Timestamp, DomainState? State, long? CpuTimeNs, int? ProcessorCount, int? MaximumProcessorCount,
    long? MemoryBytes, long? MemoryAvailableBytes, long? MemoryUnusedBytes, long? MemoryRssBytes,
    IReadOnlyList<DiskCounters>? Disks, IReadOnlyList<NicCounters>? Nics);

public sealed record DiskCounters(string Name, string? Path, long? ReadBytes, long? WriteBytes, long? ReadOperations, long? WriteOperations);

public sealed record NicCounters(string Name, long? ReceivedBytes, long? SentBytes, long? ReceivedPackets, long? SentPackets,
    long? ReceivedDrops, long? SentDrops);
