using System.Runtime.InteropServices;
using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

/// <summary>
/// libvirt's keepalive on every daemon connection: without it a call to a daemon that stopped answering
/// (frozen, its host gone) waits for TCP, which may be never (a killed local daemon is seen at once: its
/// socket ends). With it the client library closes the connection after <see cref="IntervalSec"/> ×
/// (<see cref="Count"/> + 1) seconds of silence, and every call in flight fails with LibvirtConnectionLost.
/// </summary>
public static class LibvirtKeepAlive
{
    public const int IntervalSec = 5;
    public const uint Count = 2;

    /// <summary>The longest a call waits on a daemon that went silent before it fails.</summary>
    public static readonly TimeSpan LostWithin = TimeSpan.FromSeconds(IntervalSec * (Count + 1));
}

internal sealed unsafe partial class NativeConnection
{
    /// <summary>
    /// Keepalive needs the event loop running before the connection opens (libvirt registers the socket with it
    /// at open). Drivers without a daemon (test:///) have no keepalive: their refusal is not an error.
    /// </summary>
    private static void BeforeOpen(string uri)
    {
        if (!uri.StartsWith("test:", StringComparison.OrdinalIgnoreCase)) LibvirtEventLoop.EnsureStarted();
    }

    private void AfterOpen(string uri)
    {
        if (uri.StartsWith("test:", StringComparison.OrdinalIgnoreCase)) return;
        if (virConnectSetKeepAlive(_h, LibvirtKeepAlive.IntervalSec, LibvirtKeepAlive.Count) < 0) virResetLastError();
    }
}

/// <summary>
/// Sets a wait handle when libvirt closes a connection (the daemon died, keepalive timed out): a watch that
/// waits for events would otherwise wait for its whole timeout on a connection that can bring none.
/// </summary>
internal sealed unsafe class ConnectionCloseSignal : IDisposable
{
    private readonly NativeConnection _conn;
    private readonly EventWaitHandle _signal;
    private GCHandle _self;
    private bool _registered;

    /// <summary>virConnectCloseReason: why libvirt closed it (0 error, 1 EOF, 2 keepalive, 3 the client).</summary>
    public int? Reason { get; private set; }

    public ConnectionCloseSignal(NativeConnection conn, EventWaitHandle signal)
    {
        _conn = conn;
        _signal = signal;
        _self = GCHandle.Alloc(this);
        _registered = virConnectRegisterCloseCallback(conn.Handle, &OnClose, GCHandle.ToIntPtr(_self), IntPtr.Zero) == 0;
        if (!_registered) virResetLastError();   // a driver without a close callback (test:///) closes never
    }

    [UnmanagedCallersOnly]
    private static void OnClose(IntPtr conn, int reason, IntPtr opaque)
    {
        if (GCHandle.FromIntPtr(opaque).Target is not ConnectionCloseSignal s) return;
        s.Reason = reason;
        try { s._signal.Set(); } catch (ObjectDisposedException) { }
    }

    public void Dispose()
    {
        // Unregistered first: after that libvirt calls OnClose no more and the GCHandle may go.
        if (_registered) virConnectUnregisterCloseCallback(_conn.Handle, &OnClose);
        _registered = false;
        if (_self.IsAllocated) _self.Free();
    }
}
