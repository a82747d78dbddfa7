using System.Diagnostics;
using VirtTools.Libvirt;

namespace VirtTools.Monitoring;

/// <summary>
/// Samples the guests of one connection with ONE bulk call each time (every running guest through
/// virConnectGetAllDomainStats, or the chosen ones through virDomainListGetStats) and turns two
/// consecutive samples into <see cref="VMGuestMeasurement"/>s.
/// </summary>
public sealed class GuestMonitor
{
    public const DomainStatsTypes Groups = DomainStatsTypes.State | DomainStatsTypes.CpuTotal | DomainStatsTypes.Balloon
                                          | DomainStatsTypes.Vcpu | DomainStatsTypes.Interface | DomainStatsTypes.Block;

    private readonly ILibvirtConnection _c;
    private readonly IReadOnlyList<ILibvirtDomain>? _guests;
    private Dictionary<Guid, GuestStatsSample> _last = new();
    private int _number;

    /// <param name="guests">The guests to measure; null for every running one (a guest started meanwhile is measured from its second sample on).</param>
    public GuestMonitor(ILibvirtConnection c, IReadOnlyList<ILibvirtDomain>? guests = null)
    {
        _c = c;
        _guests = guests;
        ConnectionUri = c.Uri;
    }

    public string ConnectionUri { get; }

    /// <summary>The first sample: the base the first interval's rates are measured from.</summary>
    public void Start() => _last = Sample();

    /// <summary>Samples again and measures every guest seen in this sample and the one before.</summary>
    public IReadOnlyList<VMGuestMeasurement> Next()
    {
        var now = Sample();
        var prev = _last;
        _last = now;
        _number++;
        var list = new List<VMGuestMeasurement>();
        foreach (var cur in now.Values.OrderBy(s => s.Name, StringComparer.OrdinalIgnoreCase))
            if (prev.TryGetValue(cur.Uuid, out var before) && cur.State is not DomainState.ShutOff)
                list.Add(Measure(before, cur, ConnectionUri, _number));
        return list;
    }

    private Dictionary<Guid, GuestStatsSample> Sample()
    {
        var stats = _c.GetDomainStats(Groups, _guests is null ? DomainListFlags.Active : DomainListFlags.All, _guests);
        var t = Stopwatch.GetTimestamp();
        var d = new Dictionary<Guid, GuestStatsSample>();
        foreach (var s in stats) d[s.Uuid] = GuestStatsParser.Parse(s, t);
        return d;
    }

    /// <summary>Rates between two samples of one guest; a counter that went back (the guest restarted, a disk was replaced) has no rate.</summary>
    public static VMGuestMeasurement Measure(GuestStatsSample before, GuestStatsSample cur, string connectionUri, int number)
    {
        var seconds = Stopwatch.GetElapsedTime(before.Timestamp, cur.Timestamp).TotalSeconds;
        double? Rate(long? a, long? b) => a is { } x && b is { } y && y >= x && seconds > 0 ? (y - x) / seconds : null;

        var disks = cur.Disks?.Select(d =>
        {
            var p = before.Disks?.FirstOrDefault(o => o.Name == d.Name);
            return new VMGuestDiskMeasurement
            {
                Name = d.Name, Path = d.Path,
                ReadBytes = d.ReadBytes, WriteBytes = d.WriteBytes, ReadOperations = d.ReadOperations, WriteOperations = d.WriteOperations,
                ReadBytesPerSecond = Rate(p?.ReadBytes, d.ReadBytes), WriteBytesPerSecond = Rate(p?.WriteBytes, d.WriteBytes),
                ReadOperationsPerSecond = Rate(p?.ReadOperations, d.ReadOperations), WriteOperationsPerSecond = Rate(p?.WriteOperations, d.WriteOperations),
            };
        }).ToArray();
        var nics = cur.Nics?.Select(n =>
        {
            var p = before.Nics?.FirstOrDefault(o => o.Name == n.Name);
            return new VMGuestNetworkMeasurement
            {
                Name = n.Name,
                ReceivedBytes = n.ReceivedBytes, SentBytes = n.SentBytes, ReceivedPackets = n.ReceivedPackets, SentPackets = n.SentPackets,
                ReceivedDrops = n.ReceivedDrops, SentDrops = n.SentDrops,
                ReceivedBytesPerSecond = Rate(p?.ReceivedBytes, n.ReceivedBytes), SentBytesPerSecond = Rate(p?.SentBytes, n.SentBytes),
                ReceivedPacketsPerSecond = Rate(p?.ReceivedPackets, n.ReceivedPackets), SentPacketsPerSecond = Rate(p?.SentPackets, n.SentPackets),
                ReceivedDropsPerSecond = Rate(p?.ReceivedDrops, n.ReceivedDrops), SentDropsPerSecond = Rate(p?.SentDrops, n.SentDrops),
            };
        }).ToArray();
        return new VMGuestMeasurement
        {
            Name = cur.Name, Uuid = cur.Uuid, ConnectionUri = connectionUri, State = cur.State?.ToString(),
            Timestamp = DateTime.UtcNow, SampleNumber = number, SampleInterval = TimeSpan.FromSeconds(seconds),
            CpuTime = cur.CpuTimeNs is { } ns ? TimeSpan.FromTicks(ns / 100) : null,
            CpuPercent = Rate(before.CpuTimeNs, cur.CpuTimeNs) / 1e9 * 100,
            ProcessorCount = cur.ProcessorCount, MaximumProcessorCount = cur.MaximumProcessorCount,
            MemoryBytes = cur.MemoryBytes, MemoryAvailableBytes = cur.MemoryAvailableBytes,
            MemoryUnusedBytes = cur.MemoryUnusedBytes, MemoryRssBytes = cur.MemoryRssBytes,
            Disks = disks ?? Array.Empty<VMGuestDiskMeasurement>(), NetworkAdapters = nics ?? Array.Empty<VMGuestNetworkMeasurement>(),
            DiskReadBytesPerSecond = Sum(disks?.Select(d => d.ReadBytesPerSecond)),
            DiskWriteBytesPerSecond = Sum(disks?.Select(d => d.WriteBytesPerSecond)),
            DiskReadOperationsPerSecond = Sum(disks?.Select(d => d.ReadOperationsPerSecond)),
            DiskWriteOperationsPerSecond = Sum(disks?.Select(d => d.WriteOperationsPerSecond)),
            NetworkReceivedBytesPerSecond = Sum(nics?.Select(n => n.ReceivedBytesPerSecond)),
            NetworkSentBytesPerSecond = Sum(nics?.Select(n => n.SentBytesPerSecond)),
        };
    }

    /// <summary>A guest without disks reads nothing (0); one whose disks (or the driver) report no figure is unknown (null).</summary>
    private static double? Sum(IEnumerable<double?>? rates)
    {
        if (rates is null) return null;
        var l = rates.ToList();
        return l.Count == 0 ? 0 : l.Any(r => r is null) ? null : l.Sum();
    }

    /// <summary>
    /// Samples every monitor, then <paramref name="samples"/> times (forever when null) waits
    /// <paramref name="interval"/> and yields what each measured: Get-Counter's -MaxSamples and -Continuous.
    /// </summary>
    public static IEnumerable<VMGuestMeasurement> Run(IReadOnlyList<GuestMonitor> monitors, TimeSpan interval, int? samples, CancellationToken cancel)
    {
        foreach (var m in monitors) m.Start();
        var next = Stopwatch.GetTimestamp();
        for (var i = 0; samples is null || i < samples; i++)
        {
            // Intervals are kept on a fixed schedule, so the time spent writing output does not stretch them.
            next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
            if (wait > TimeSpan.Zero && cancel.WaitHandle.WaitOne(wait)) yield break;
            if (cancel.IsCancellationRequested) yield break;
            foreach (var m in monitors)
                foreach (var r in m.Next()) yield return r;
        }
    }
}
