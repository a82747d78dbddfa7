using System.Diagnostics;
using System.Xml.Linq;
using VirtTools.Libvirt;

namespace VirtTools.Guests;

/// <summary>What a lifecycle call did: changed the guest, or found it already in the asked state.</summary>
public enum LifecycleOutcome { Changed, AlreadyInState }

/// <summary>Start, stop, restart, suspend, resume and remove, with the refusals and waits admins expect.</summary>
public static class GuestLifecycle
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public static LifecycleOutcome Start(ILibvirtDomain d)
    {
        var (state, _) = d.GetState();
        if (state == DomainState.Paused)
            throw new VirtToolsException("GuestPaused", FailureKind.InvalidOperation, $"Guest '{d.Name}' is running but paused.", d.Name,
                $"Resume it: Resume-VMGuest {d.Name}");
        if (d.IsActive) return LifecycleOutcome.AlreadyInState;
        d.Start();
        return LifecycleOutcome.Changed;
    }

    /// <summary>
    /// Presses the ACPI power button (never the driver default, which on QEMU tries the guest agent
    /// first and can block for a minute), then waits up to <paramref name="timeout"/> for the guest to
    /// stop; <paramref name="turnOff"/> powers it off at once.
    /// </summary>
    public static LifecycleOutcome Stop(ILibvirtDomain d, bool turnOff, TimeSpan timeout, Action<TimeSpan>? progress = null,
        CancellationToken cancel = default)
    {
        if (!d.IsActive) return LifecycleOutcome.AlreadyInState;
        if (turnOff)
        {
            d.Destroy();
            return LifecycleOutcome.Changed;
        }
        var xen = IsXen(d);
        WithAcpiFallback(d, xen, d.Shutdown);
        var sw = Stopwatch.StartNew();
        while (d.IsActive)
        {
            if (sw.Elapsed >= timeout)
                throw new VirtToolsException("GuestStopTimedOut", FailureKind.OperationTimeout,
                    $"Guest '{d.Name}' did not stop within {timeout.TotalSeconds:0} s of {(xen ? XenRequest("shutdown") : "the ACPI power button")}. " +
                    (xen ? "Its OS may not handle the request (no Xen PV drivers in an HVM guest, a stuck service)."
                         : "Its OS may ignore the button (no acpid, a screen lock, a stuck service)."), d.Name,
                    $"Wait longer (-TimeoutSec), or power it off at once: Stop-VMGuest {d.Name} -TurnOff");
            progress?.Invoke(sw.Elapsed);
            cancel.WaitHandle.WaitOne(PollInterval);
            cancel.ThrowIfCancellationRequested();
        }
        return LifecycleOutcome.Changed;
    }

    /// <summary>
    /// Asks the guest OS to reboot through ACPI and waits up to <paramref name="timeout"/> for libvirt to
    /// report it went down (the reboot event, or stopped when its on_reboot is destroy): a guest that
    /// ignores the button must not pass for restarted. <paramref name="turnOff"/> resets at once.
    /// </summary>
    public static LifecycleOutcome Restart(ILibvirtDomain d, ILibvirtConnection c, bool turnOff, TimeSpan timeout,
        Action<TimeSpan>? progress = null, CancellationToken cancel = default)
    {
        if (!d.IsActive)
            throw NotRunning(d, "restart");
        var xen = IsXen(d);
        if (turnOff)
        {
            Reset(d);
            return LifecycleOutcome.Changed;
        }
        // Listen before asking: a quick guest can be back before a watch started afterwards.
        using var watch = c.WatchReboot(d);
        WithAcpiFallback(d, xen, d.Reboot);
        var sw = Stopwatch.StartNew();
        while (watch.Wait(PollInterval, cancel) == GuestRebootOutcome.Pending)
        {
            cancel.ThrowIfCancellationRequested();
            if (sw.Elapsed >= timeout)
                throw new VirtToolsException("GuestRestartTimedOut", FailureKind.OperationTimeout,
                    $"Guest '{d.Name}' did not restart within {timeout.TotalSeconds:0} s of {(xen ? XenRequest("reboot") : "the ACPI reboot request")}. " +
                    (xen ? "Its OS may not handle the request (no Xen PV drivers in an HVM guest, a stuck service)"
                         : "Its OS may ignore ACPI (no acpid, a screen lock, a stuck service)") + "; it is still running as it was.", d.Name,
                    $"Wait longer (-TimeoutSec), or reset it at once: Restart-VMGuest {d.Name} -TurnOff");
            progress?.Invoke(sw.Elapsed);
        }
        return LifecycleOutcome.Changed;
    }

    /// <summary>
    /// virDomainReset; a driver without it (libvirt's libxl driver has none, for any guest) gets what
    /// `xl destroy` + `xl create` is there: the persistent guest is powered off and started again from its
    /// definition. A transient guest would be gone after the power-off, so it is refused.
    /// </summary>
    private static void Reset(ILibvirtDomain d)
    {
        try
        {
            d.Reset();
            return;
        }
        catch (LibvirtException e) when (e.Code == ErrorCodes.NoSupport)
        {
            if (!d.IsPersistent)
                throw new VirtToolsException("GuestResetUnsupported", FailureKind.NotImplemented,
                    $"This libvirt driver cannot reset guest '{d.Name}' ({e.LibvirtMessage}), and the guest is transient: " +
                    "powering it off to start it again would remove it. Nothing was changed.", d.Name,
                    $"Ask its OS to reboot (Restart-VMGuest {d.Name} without -TurnOff), or power it off: Stop-VMGuest {d.Name} -TurnOff", e);
        }
        d.Destroy();
        try { d.Start(); }
        catch (LibvirtException e)
        {
            throw new VirtToolsException("GuestResetStartFailed", FailureKind.InvalidOperation,
                $"Guest '{d.Name}' was powered off (this libvirt driver has no reset, so -TurnOff powers off and starts again) " +
                $"but did not start again: {e.LibvirtMessage}", d.Name, $"Fix the cause, then start it: Start-VMGuest {d.Name}", e);
        }
    }

    public static LifecycleOutcome Suspend(ILibvirtDomain d)
    {
        if (!d.IsActive) throw NotRunning(d, "suspend");
        if (d.GetState().State == DomainState.Paused) return LifecycleOutcome.AlreadyInState;
        d.Suspend();
        return LifecycleOutcome.Changed;
    }

    public static LifecycleOutcome Resume(ILibvirtDomain d)
    {
        if (!d.IsActive) throw NotRunning(d, "resume");
        if (d.GetState().State != DomainState.Paused) return LifecycleOutcome.AlreadyInState;
        d.Resume();
        return LifecycleOutcome.Changed;
    }

    /// <summary>The volumes <see cref="Remove"/> would delete with -RemoveStorage: the guest's disks that are libvirt volumes (never a cdrom, except New-VMGuest's own seed ISO).</summary>
    public static IReadOnlyList<string> OwnedDisks(ILibvirtDomain d)
    {
        var xml = d.GetXml(DomainXmlFlags.Inactive);
        return GuestReader.Definition(xml).OwnedDiskSources.Concat(GuestProvisionMetadata.SeedPaths(xml)).Distinct().ToList();
    }

    /// <summary>
    /// Undefines the guest with its managed save image, snapshot and checkpoint metadata and NVRAM
    /// (the leftovers that make a plain undefine fail); a running guest needs <paramref name="force"/>.
    /// Returns the disks that were not libvirt volumes and so were left in place.
    /// </summary>
    public static IReadOnlyList<string> Remove(ILibvirtDomain d, ILibvirtConnection c, bool force, bool removeStorage)
    {
        EnsureRemovable(d, force);
        if (removeStorage) EnsureStorageRemovable(d, c);
        var disks = removeStorage ? OwnedDisks(d) : Array.Empty<string>();
        var inactive = XDocument.Parse(d.GetXml(DomainXmlFlags.Inactive)).Root!;
        var flags = DomainUndefineFlags.ManagedSave;
        // libxl has neither snapshots nor checkpoints and refuses both flags ("unsupported flags (0x2)").
        if ((string?)inactive.Attribute("type") != "xen") flags |= DomainUndefineFlags.SnapshotsMetadata | DomainUndefineFlags.CheckpointsMetadata;
        // Only where there is an NVRAM file: drivers without NVRAM support (test, libxl) refuse the flag.
        if (inactive.Element("os")?.Element("nvram") is not null) flags |= DomainUndefineFlags.Nvram;
        // Undefine first: if libvirt refuses, a running guest is still running and still defined.
        // A running guest becomes transient, and the power-off then removes it.
        var active = d.IsActive;
        if (d.IsPersistent)
        {
            try { d.Undefine(flags); }
            catch (LibvirtException e) when (IsUnsupportedFlags(e))
            {
                // Drivers without checkpoints or NVRAM files (test, libxl) refuse those flags; nothing of the kind can exist there.
                try { d.Undefine(flags & ~DomainUndefineFlags.CheckpointsMetadata); }
                catch (LibvirtException again) when (IsUnsupportedFlags(again) && flags.HasFlag(DomainUndefineFlags.Nvram))
                {
                    d.Undefine(flags & ~(DomainUndefineFlags.CheckpointsMetadata | DomainUndefineFlags.Nvram));
                }
            }
        }
        if (active) d.Destroy();
        var left = new List<string>();
        foreach (var path in disks)
        {
            using var v = c.FindStorageVolume(path);
            if (v is null) { left.Add(path); continue; }
            v.Delete();
        }
        return left;
    }

    /// <summary>Refuses a running guest without <paramref name="force"/>: called before anyone is asked to confirm, and again by <see cref="Remove"/>.</summary>
    public static void EnsureRemovable(ILibvirtDomain d, bool force)
    {
        if (d.IsActive && !force)
            throw new VirtToolsException("GuestRunning", FailureKind.ResourceBusy, $"Guest '{d.Name}' is running; it was not removed.", d.Name,
                $"Stop it first (Stop-VMGuest {d.Name}), or add -Force to power it off and remove it.");
    }

    /// <summary>Refuses -RemoveStorage of a guest whose disks are the base of linked clones: deleting them would break every clone.</summary>
    public static void EnsureStorageRemovable(ILibvirtDomain d, ILibvirtConnection c) =>
        LinkedClones.EnsureNotABase(c, d, "-RemoveStorage would delete the disks they are built on; nothing was removed.",
            $"Remove it without -RemoveStorage to keep its disks for the clones (Remove-VMGuest {d.Name}).");

    /// <summary>Refuses to start the base of linked clones: its writes would corrupt every overlay on its disks.</summary>
    public static void EnsureStartable(ILibvirtDomain d, ILibvirtConnection c)
    {
        if (!d.IsActive)
            LinkedClones.EnsureNotABase(c, d, "Starting it would write to those disks and corrupt every clone; it was not started.",
                "Start a clone instead, or make a full copy to run (Copy-VMGuest " + d.Name + " -NewName NAME).");
    }

    /// <summary>What -RemoveStorage would do with each owned disk: the libvirt volumes it deletes, and the files in no pool it leaves in place.</summary>
    public static (IReadOnlyList<string> Deleted, IReadOnlyList<string> Kept) StoragePlan(ILibvirtDomain d, ILibvirtConnection c)
    {
        var deleted = new List<string>();
        var kept = new List<string>();
        foreach (var path in OwnedDisks(d))
        {
            using var v = c.FindStorageVolume(path);
            (v is null ? kept : deleted).Add(path);
        }
        return (deleted, kept);
    }

    private static VirtToolsException NotRunning(ILibvirtDomain d, string what) =>
        new("GuestNotRunning", FailureKind.InvalidOperation, $"Guest '{d.Name}' is not running, so there is nothing to {what}.", d.Name,
            $"Start it: Start-VMGuest {d.Name}");

    private static bool IsUnsupportedFlags(LibvirtException e) =>
        e.Code is ErrorCodes.InvalidArg or ErrorCodes.ArgumentUnsupported && e.LibvirtMessage.Contains("unsupported flags", StringComparison.Ordinal);

    /// <summary>
    /// Drivers that cannot pick a method (the test driver) refuse the ACPI flag; then the driver's default is the only way.
    /// libxl takes only its default (a PV guest has no ACPI: it is asked through xenstore's control/shutdown,
    /// an HVM guest gets the power button when it has no PV drivers), so a Xen guest is never sent the flag.
    /// </summary>
    private static void WithAcpiFallback(ILibvirtDomain d, bool xen, Action<DomainShutdownFlags> call)
    {
        if (xen)
        {
            call(DomainShutdownFlags.Default);
            return;
        }
        try { call(DomainShutdownFlags.AcpiPowerButton); }
        catch (LibvirtException e) when (IsUnsupportedFlags(e))
        {
            call(DomainShutdownFlags.Default);
        }
    }

    private static string XenRequest(string what) => $"Xen's {what} request (libxl's default: xenstore control/shutdown)";

    private static bool IsXen(ILibvirtDomain d) => (string?)XDocument.Parse(d.GetXml()).Root?.Attribute("type") == "xen";
}
