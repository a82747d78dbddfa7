using VirtTools.Libvirt;

namespace VirtTools.Guests;

/// <summary>
/// State, autostart and persistence of many guests from three bulk calls (virDomainListGetStats with the
/// state group, and two filtered virConnectListAllDomains), instead of three calls per guest. On a daemon
/// each call is a round trip: for 1,000 guests that is 3 calls instead of 3,000, which is most of what a
/// listing waits for over qemu+ssh://. A guest the bulk answers do not cover (gone, or defined since) is
/// read with its own calls, as is every guest when a bulk call fails.
/// </summary>
public sealed class GuestListFacts
{
    private readonly Dictionary<Guid, (DomainState State, int Reason)> _states;
    private readonly HashSet<Guid> _autostart;
    private readonly HashSet<Guid> _persistent;
    private readonly HashSet<Guid> _listed;

    private GuestListFacts(Dictionary<Guid, (DomainState, int)> states, HashSet<Guid> autostart, HashSet<Guid> persistent, HashSet<Guid> listed)
    {
        _states = states;
        _autostart = autostart;
        _persistent = persistent;
        _listed = listed;
    }

    /// <summary>
    /// The facts of <paramref name="domains"/>, or null when the bulk calls would cost more than they save
    /// (fewer than two guests) or fail: the bulk calls only save round trips, so any refusal (a driver without
    /// bulk statistics, one that rejects them as libxl rejects flags, a lost daemon) leaves each guest to its
    /// own calls, which fail or succeed exactly as they did before the bulk calls existed.
    /// </summary>
    public static GuestListFacts? Read(ILibvirtConnection c, IReadOnlyList<ILibvirtDomain> domains)
    {
        if (domains.Count < 2) return null;
        try
        {
            var states = new Dictionary<Guid, (DomainState, int)>(domains.Count);
            foreach (var s in c.GetDomainStats(DomainStatsTypes.State, DomainListFlags.All, domains))
                if (Num(s, "state.state") is { } st && Num(s, "state.reason") is { } r) states[s.Uuid] = ((DomainState)st, r);
            return new GuestListFacts(states, Uuids(c, DomainListFlags.Autostart), Uuids(c, DomainListFlags.Persistent),
                domains.Select(d => d.Uuid).ToHashSet());
        }
        catch (LibvirtException)
        {
            return null;
        }
    }

    private static HashSet<Guid> Uuids(ILibvirtConnection c, DomainListFlags flags)
    {
        var list = c.ListDomains(flags);
        var set = new HashSet<Guid>(list.Count);
        foreach (var d in list)
            using (d) set.Add(d.Uuid);
        return set;
    }

    private static int? Num(LibvirtDomainStats s, string key) =>
        s.Values.TryGetValue(key, out var v) && v is int i ? i : null;

    /// <summary>The guest's state and reason: from the bulk answer, else its own virDomainGetState.</summary>
    public (DomainState State, int Reason) StateOf(ILibvirtDomain d, Guid uuid) =>
        _states.TryGetValue(uuid, out var s) ? s : d.GetState();

    /// <summary>
    /// Autostart and persistence from the filtered lists when the guest was in the listing they were taken
    /// with; a guest outside it (resolved later by name) asks libvirt itself.
    /// </summary>
    public bool AutostartOf(ILibvirtDomain d, Guid uuid) => _listed.Contains(uuid) ? _autostart.Contains(uuid) : d.Autostart;

    public bool PersistentOf(ILibvirtDomain d, Guid uuid) => _listed.Contains(uuid) ? _persistent.Contains(uuid) : d.IsPersistent;
}
