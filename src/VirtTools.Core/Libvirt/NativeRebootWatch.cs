using System.Runtime.InteropServices;
using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

/// <summary>
/// libvirt's REBOOT and LIFECYCLE events for one guest, on a connection of its own: events reach only
/// connections opened after the event loop was registered, and the pipeline's may be older. A fake
/// reboot (QEMU after an ACPI reboot) keeps the same process, id and state, so only the event tells
/// that the guest went down and came back.
/// </summary>
internal sealed unsafe class NativeRebootWatch : IGuestRebootWatch
{
    private readonly NativeConnection _conn;
    private readonly ILibvirtDomain _domain;
    private readonly ManualResetEventSlim _seen = new();
    private GCHandle _self;
    private int _rebootId = -1, _lifecycleId = -1;
    private volatile GuestRebootOutcome _outcome = GuestRebootOutcome.Pending;

    internal NativeRebootWatch(string uri, Guid uuid)
    {
        (_conn, _domain) = LibvirtEventLoop.OpenWatched(uri, uuid);
        try
        {
            _self = GCHandle.Alloc(this);
            var dom = ((NativeDomain)_domain).Handle;
            delegate* unmanaged<IntPtr, IntPtr, IntPtr, void> reboot = &OnReboot;
            delegate* unmanaged<IntPtr, IntPtr, int, int, IntPtr, void> lifecycle = &OnLifecycle;
            _rebootId = virConnectDomainEventRegisterAny(_conn.Handle, dom, DomainEventIdReboot, (IntPtr)reboot, GCHandle.ToIntPtr(_self), IntPtr.Zero);
            if (_rebootId < 0) throw NativeConnection.Fail("virConnectDomainEventRegisterAny", uuid);
            _lifecycleId = virConnectDomainEventRegisterAny(_conn.Handle, dom, DomainEventIdLifecycle, (IntPtr)lifecycle, GCHandle.ToIntPtr(_self), IntPtr.Zero);
            if (_lifecycleId < 0) throw NativeConnection.Fail("virConnectDomainEventRegisterAny", uuid);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    [UnmanagedCallersOnly]
    private static void OnReboot(IntPtr conn, IntPtr dom, IntPtr opaque) => Seen(opaque, GuestRebootOutcome.Rebooted);

    [UnmanagedCallersOnly]
    private static void OnLifecycle(IntPtr conn, IntPtr dom, int evt, int detail, IntPtr opaque)
    {
        if (evt == DomainEventStopped) Seen(opaque, GuestRebootOutcome.Stopped);
    }

    private static void Seen(IntPtr opaque, GuestRebootOutcome outcome)
    {
        if (GCHandle.FromIntPtr(opaque).Target is not NativeRebootWatch w) return;
        if (w._outcome == GuestRebootOutcome.Pending) w._outcome = outcome;
        w._seen.Set();
    }

    public GuestRebootOutcome Wait(TimeSpan timeout, CancellationToken cancel = default)
    {
        _seen.Wait(timeout, cancel);
        return _outcome;
    }

    public void Dispose()
    {
        // After deregistering, libvirt calls neither callback again: only then may the handle go.
        if (_lifecycleId >= 0) virConnectDomainEventDeregisterAny(_conn.Handle, _lifecycleId);
        if (_rebootId >= 0) virConnectDomainEventDeregisterAny(_conn.Handle, _rebootId);
        _lifecycleId = _rebootId = -1;
        if (_self.IsAllocated) _self.Free();
        _domain?.Dispose();
        _conn.Dispose();
        _seen.Dispose();
    }
}

/// <summary>A driver whose reboot is over when virDomainReboot returns (libvirt's test driver, which sends no REBOOT event).</summary>
internal sealed class FinishedRebootWatch : IGuestRebootWatch
{
    public GuestRebootOutcome Wait(TimeSpan timeout, CancellationToken cancel = default) => GuestRebootOutcome.Rebooted;
    public void Dispose() { }
}
