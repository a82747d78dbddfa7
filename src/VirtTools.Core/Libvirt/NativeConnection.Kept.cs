using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

/// <summary>
/// A connection <see cref="KeptLibvirtConnections"/> can keep open for a session: it hands out leases
/// (connections of their own over the same libvirt connection) and tells whether it still reaches its driver.
/// </summary>
internal interface IKeepableConnection : ILibvirtConnection
{
    /// <summary>A connection over the same libvirt connection that the caller disposes; disposing it never closes this one.</summary>
    ILibvirtConnection Lease();

    /// <summary>True when the connection still reaches its driver (for a daemon: answers a call now).</summary>
    bool Probe();
}

internal sealed partial class NativeConnection : IKeepableConnection
{
    public ILibvirtConnection Lease()
    {
        // libvirt's own reference count: the lease's handle gives back only the reference taken here, so a
        // lease outlives Disconnect (and the kept handle outlives the lease). A lease registers nothing on
        // the pointer (keepalive was set once, at open; watches open connections of their own), so
        // disposing it leaves no callback behind and a second lease cannot register twice.
        if (virConnectRef(_h) < 0) throw Fail("virConnectRef", () => Uri);
        var h = new ConnectHandle(_h.DangerousGetHandle());
        return new NativeConnection(h) { _uri = _uri };
    }

    public bool Probe()
    {
        // virConnectIsAlive is local (false once the event loop saw the socket end or keepalive give up);
        // virConnectGetLibVersion is a round trip, so a daemon restarted since the last command (its old
        // socket not yet seen closed) is noticed here, not in the middle of the next command.
        if (_h.IsClosed || virConnectIsAlive(_h) != 1 || virConnectGetLibVersion(_h, out _) < 0)
        {
            virResetLastError();
            return false;
        }
        return true;
    }
}
