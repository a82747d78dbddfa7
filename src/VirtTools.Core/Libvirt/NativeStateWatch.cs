using System.Runtime.InteropServices;
using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

/// <summary>
/// One guest's LIFECYCLE events on a connection of its own (events reach only connections opened after the
/// event loop was registered, and the pipeline's may be older). The callback only signals: the waiter reads
/// the state itself, so no libvirt call runs on the event-loop thread.
/// </summary>
internal sealed unsafe class NativeStateWatch : IGuestStateWatch
{
    private readonly NativeConnection _conn;
    private readonly ILibvirtDomain _domain;
    private readonly AutoResetEvent _changed = new(false);
    private GCHandle _self;
    private int _lifecycleId = -1;
    private ConnectionCloseSignal? _closed;

    internal NativeStateWatch(string uri, Guid uuid)
    {
        (_conn, _domain) = LibvirtEventLoop.OpenWatched(uri, uuid);
        try
        {
            _self = GCHandle.Alloc(this);
            delegate* unmanaged<IntPtr, IntPtr, int, int, IntPtr, void> lifecycle = &OnLifecycle;
            _lifecycleId = virConnectDomainEventRegisterAny(_conn.Handle, ((NativeDomain)_domain).Handle, DomainEventIdLifecycle,
                (IntPtr)lifecycle, GCHandle.ToIntPtr(_self), IntPtr.Zero);
            if (_lifecycleId < 0) throw NativeConnection.Fail("virConnectDomainEventRegisterAny", uuid);
            _closed = new ConnectionCloseSignal(_conn, _changed);   // a dead daemon wakes the waiter: its next read fails
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    [UnmanagedCallersOnly]
    private static void OnLifecycle(IntPtr conn, IntPtr dom, int evt, int detail, IntPtr opaque)
    {
        if (GCHandle.FromIntPtr(opaque).Target is NativeStateWatch w) w._changed.Set();
    }

    public DomainState CurrentState() => _domain.GetState().State;

    public bool WaitForEvent(TimeSpan timeout, CancellationToken cancel = default) =>
        WaitHandle.WaitAny(new[] { _changed, cancel.WaitHandle }, timeout) == 0;

    public void Dispose()
    {
        // After deregistering, libvirt calls the callback no more: only then may the handle go.
        if (_lifecycleId >= 0) virConnectDomainEventDeregisterAny(_conn.Handle, _lifecycleId);
        _lifecycleId = -1;
        _closed?.Dispose();
        if (_self.IsAllocated) _self.Free();
        _domain?.Dispose();
        _conn.Dispose();
        _changed.Dispose();
    }
}
