using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

/// <summary>
/// libvirt's default event loop, one per process: registered once before the first watching connection
/// opens (events reach only connections opened after it) and run on a background thread for the life of
/// the process (it also answers keepalives). Every event watch (Restart-VMGuest's, Wait-VMGuest's) starts it here.
/// </summary>
internal static class LibvirtEventLoop
{
    private static readonly object Lock = new();
    private static bool _running;

    public static void EnsureStarted()
    {
        lock (Lock)
        {
            if (_running) return;
            EnsureInitialized();
            if (virEventRegisterDefaultImpl() < 0) throw LibvirtException.FromLastError("virEventRegisterDefaultImpl", (object?)null);
            new Thread(() => { while (true) if (virEventRunDefaultImpl() < 0) Thread.Sleep(100); })
                { IsBackground = true, Name = "libvirt event loop" }.Start();
            _running = true;
        }
    }

    /// <summary>
    /// The loop started, then a connection of the watch's own (opened after the loop, so events reach it)
    /// and the guest on it; the connection is closed again when the guest is gone.
    /// </summary>
    public static (NativeConnection Connection, ILibvirtDomain Domain) OpenWatched(string uri, Guid uuid)
    {
        EnsureStarted();
        var conn = NativeConnection.Open(uri);
        try
        {
            return (conn, conn.FindDomain(uuid) ?? throw new VirtToolsException("GuestNotFound", FailureKind.ObjectNotFound,
                $"The guest with UUID {uuid} is gone from {uri}.", uuid));
        }
        catch
        {
            conn.Dispose();
            throw;
        }
    }
}
