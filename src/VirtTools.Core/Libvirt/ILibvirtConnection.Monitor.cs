namespace VirtTools.Libvirt;

/// <summary>One guest's record of a bulk statistics call: libvirt's typed parameters, by name ("cpu.time", "block.0.rd.bytes").</summary>
public sealed record LibvirtDomainStats(string Name, Guid Uuid, IReadOnlyDictionary<string, object> Values);

/// <summary>Free pages of one size, summed over the host's NUMA cells.</summary>
public sealed record LibvirtPageCount(long PageSizeBytes, long Total, long? Free);

public partial interface ILibvirtConnection
{
    /// <summary>virNodeGetFreeMemory: the host's free memory in bytes.</summary>
    long GetFreeMemoryBytes();

    /// <summary>
    /// The host's huge pages per size (the base page left out): totals from the capabilities' NUMA cells,
    /// free counts from virNodeGetFreePages (null when the driver cannot tell).
    /// </summary>
    IReadOnlyList<LibvirtPageCount> GetHugePages();

    /// <summary>
    /// ONE call for every guest in the states <paramref name="flags"/> names (virConnectGetAllDomainStats),
    /// or, when <paramref name="domains"/> is given, for exactly those (virDomainListGetStats).
    /// </summary>
    IReadOnlyList<LibvirtDomainStats> GetDomainStats(DomainStatsTypes types, DomainListFlags flags, IReadOnlyList<ILibvirtDomain>? domains = null);

    /// <summary>
    /// Starts listening to <paramref name="domain"/>'s lifecycle events (virConnectDomainEventRegisterAny on
    /// the process's one event loop) until disposed; Wait-VMGuest's wait.
    /// </summary>
    IGuestStateWatch WatchState(ILibvirtDomain domain);
}

/// <summary>Groups of virConnectGetAllDomainStats (VIR_DOMAIN_STATS_*).</summary>
[Flags]
public enum DomainStatsTypes : uint
{
    State = 1, CpuTotal = 2, Balloon = 4, Vcpu = 8, Interface = 16, Block = 32, Perf = 64, IoThread = 128, Memory = 256,
}
