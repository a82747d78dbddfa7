namespace VirtTools.Libvirt;

/// <summary>
/// The libvirt connections kept open for the session (Connect-VHSLibvirt), one per URI string (ordinal),
/// for the whole process. While a URI is kept, <see cref="LibvirtConnector.Open"/> hands every command a
/// lease on it instead of opening (and authenticating, and for the test driver parsing its file) anew.
/// Thread-safe: commands of several runspaces may lease at once.
/// </summary>
public static class KeptLibvirtConnections
{
    private sealed class Kept
    {
        public readonly object Gate = new();
        public required string Uri { get; init; }
        public IKeepableConnection? Connection;
        public bool Closed;
        public DateTime ConnectedAt;
        public int Reconnects;
        public string Driver = "", Hostname = "";
        public Version? Version;
    }

    private static readonly object Lock = new();
    private static readonly Dictionary<string, Kept> All = new(StringComparer.Ordinal);

    /// <summary>Test seam: what opens a connection to keep. The product opens libvirt's.</summary>
    internal static Func<string, IKeepableConnection> Opener { get; set; } = NativeConnection.Open;

    /// <summary>Test seam: whether a kept connection still answers (the test driver never dies by itself).</summary>
    internal static Func<IKeepableConnection, bool> Probe { get; set; } = c => c.Probe();

    /// <summary>The URIs kept now, sorted (ordinal).</summary>
    public static IReadOnlyList<string> Uris
    {
        get { lock (Lock) return All.Keys.Order(StringComparer.Ordinal).ToList(); }
    }

    /// <summary>
    /// Keeps a connection to <paramref name="uri"/> open. A URI kept already is not opened again (only
    /// replaced when it died).
    /// </summary>
    /// <param name="added">False when the URI was kept already.</param>
    /// <exception cref="LibvirtException">It cannot be opened; nothing is kept then.</exception>
    public static LibvirtConnectionInfo Connect(string uri, out bool added)
    {
        while (true)
        {
            Kept k;
            lock (Lock)
            {
                added = !All.TryGetValue(uri, out var found);
                k = found ?? (All[uri] = new Kept { Uri = uri });
            }
            lock (k.Gate)
            {
                // Disconnected between the two locks: keep it anew rather than reopen one no longer listed.
                if (k.Closed) continue;
                try { EnsureAlive(k); }
                catch when (added)
                {
                    // A URI that never connected is not kept: the user sees the error and nothing to disconnect.
                    lock (Lock) if (All.TryGetValue(uri, out var now) && now == k) All.Remove(uri);
                    k.Closed = true;
                    throw;
                }
                return Describe(k, alive: true);
            }
        }
    }

    /// <summary>
    /// A lease on the kept connection to <paramref name="uri"/> (the caller disposes it), after checking that
    /// it still answers and replacing it when it does not; null when the URI is not kept.
    /// </summary>
    /// <exception cref="LibvirtException">It died and cannot be opened again now; it stays kept, the next call tries again.</exception>
    public static ILibvirtConnection? Lease(string uri)
    {
        Kept? k;
        lock (Lock) if (!All.TryGetValue(uri, out k)) return null;
        lock (k.Gate)
        {
            // Disconnected between the two locks: the caller opens a connection of its own, as without Connect.
            if (k.Closed) return null;
            EnsureAlive(k);
            return k.Connection!.Lease();
        }
    }

    /// <summary>What is kept now, each probed for life (a round trip to its daemon).</summary>
    public static IReadOnlyList<LibvirtConnectionInfo> List()
    {
        List<Kept> kept;
        lock (Lock) kept = All.Values.OrderBy(k => k.Uri, StringComparer.Ordinal).ToList();
        var result = new List<LibvirtConnectionInfo>(kept.Count);
        foreach (var k in kept)
            lock (k.Gate)
                if (!k.Closed) result.Add(Describe(k, k.Connection is { } c && Probe(c)));
        return result;
    }

    /// <summary>
    /// Stops keeping <paramref name="uri"/> and closes the kept connection; leases in use stay valid until
    /// their commands dispose them. Returns what was kept, or null when the URI was not.
    /// </summary>
    public static LibvirtConnectionInfo? Disconnect(string uri)
    {
        Kept? k;
        lock (Lock)
        {
            if (!All.TryGetValue(uri, out k)) return null;
            All.Remove(uri);
        }
        lock (k.Gate)
        {
            var info = Describe(k, alive: false);
            k.Closed = true;
            k.Connection?.Dispose();
            k.Connection = null;
            return info;
        }
    }

    /// <summary>Closes every kept connection (the module is removed).</summary>
    public static void DisconnectAll()
    {
        foreach (var uri in Uris) Disconnect(uri);
    }

    /// <summary>Opens the connection again when there is none or it no longer answers. Under k.Gate.</summary>
    private static void EnsureAlive(Kept k)
    {
        if (k.Connection is { } c && Probe(c)) return;
        var replacing = k.Connection is not null || k.ConnectedAt != default;
        k.Connection?.Dispose();
        k.Connection = null;
        var fresh = Opener(k.Uri);
        try
        {
            k.Driver = fresh.DriverType;
            k.Hostname = fresh.Hostname;
            k.Version = ToVersion(fresh.DaemonVersion);
        }
        catch
        {
            fresh.Dispose();
            throw;
        }
        k.Connection = fresh;
        k.ConnectedAt = DateTime.UtcNow;
        if (replacing) k.Reconnects++;
    }

    private static Version ToVersion(ulong v) => new((int)(v / 1_000_000), (int)(v / 1000 % 1000), (int)(v % 1000));

    private static LibvirtConnectionInfo Describe(Kept k, bool alive) => new()
    {
        Uri = k.Uri, Driver = k.Driver, Hostname = k.Hostname, LibvirtVersion = k.Version,
        IsAlive = alive && k.Connection is not null, ConnectedAt = k.ConnectedAt, Reconnects = k.Reconnects,
    };
}
