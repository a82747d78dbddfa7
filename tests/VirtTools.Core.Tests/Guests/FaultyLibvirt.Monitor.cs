using VirtTools.Libvirt;

namespace VirtTools.Tests.Guests;

public sealed partial class FaultyConnection
{
    /// <summary>Every bulk statistics call, as "all" or "list N" (the guests asked for).</summary>
    public List<string> StatsCalls { get; } = new();
    /// <summary>When set, the bulk call answers this instead of the driver (recorded real-daemon records).</summary>
    public Func<IReadOnlyList<LibvirtDomainStats>>? RecordedStats { get; set; }

    public long GetFreeMemoryBytes() => inner.GetFreeMemoryBytes();
    public IReadOnlyList<LibvirtPageCount> GetHugePages() => inner.GetHugePages();

    public IReadOnlyList<LibvirtDomainStats> GetDomainStats(DomainStatsTypes types, DomainListFlags flags, IReadOnlyList<ILibvirtDomain>? domains = null)
    {
        StatsCalls.Add(domains is null ? "all" : $"list {domains.Count}");
        if (RecordedStats is { } r) return r();
        return inner.GetDomainStats(types, flags, domains?.Select(x => x is FaultyDomain f ? f.Inner : x).ToList());
    }

    /// <summary>State reads of every watch: one at registration and one per event when the wait is event-driven.</summary>
    public int StateReads => _stateReads;
    private int _stateReads;

    public IGuestStateWatch WatchState(ILibvirtDomain domain) =>
        new CountingWatch(inner.WatchState(domain is FaultyDomain f ? f.Inner : domain), this);

    private sealed class CountingWatch(IGuestStateWatch w, FaultyConnection owner) : IGuestStateWatch
    {
        public DomainState CurrentState()
        {
            Interlocked.Increment(ref owner._stateReads);
            return w.CurrentState();
        }
        public bool WaitForEvent(TimeSpan timeout, CancellationToken cancel = default) => w.WaitForEvent(timeout, cancel);
        public void Dispose() => w.Dispose();
    }

    private sealed partial class FaultyDomain
    {
        public ILibvirtDomain Inner => d;
    }
}
