using VirtTools.Host;
using VirtTools.Pci;

namespace VirtTools.Vfio;
using static VirtTools.Vfio.VfioBinder;

/// <summary>
/// Runs a <see cref="VfioPlan"/> of <see cref="VfioBinder"/> under the IOMMU group's lock; on any failure
/// puts every touched function back on its original driver and undoes the persisted bindings.
/// </summary>
internal sealed class VfioApplier
{
    private readonly HostContext _host;
    private readonly IHostFileSystem _fs;
    private readonly VfioOptions _o;

    public VfioApplier(HostContext host, VfioOptions options)
    {
        _host = host;
        _fs = host.Files;
        _o = options;
    }

    /// <summary>Runs the plan under the group lock; on any failure rolls back and throws a VirtToolsException.</summary>
    public VfioResult Execute(VfioPlan plan)
    {
        var result = new VfioResult(plan);
        if (!plan.HasChanges) return result;
        using (HostLock.Take(_fs, plan.LockPath, _o.LockTimeout, plan.Address.ToString(), "this IOMMU group", waiting: _o.LockWaiting))
        {
            var touched = new List<VfioTarget>();
            var persisted = new List<(string Path, string? Previous)>();
            foreach (var step in plan.Steps)
            {
                try
                {
                    Run(plan, step, result, touched, persisted);
                }
                catch (Exception e) when (e is HostIOException or VirtToolsException)
                {
                    var report = Rollback(plan, touched, persisted);
                    throw Failure(step, e, report);
                }
            }
        }
        return result;
    }

    private void Run(VfioPlan plan, VfioStep step, VfioResult result, List<VfioTarget> touched, List<(string, string?)> persisted)
    {
        var target = plan.Targets.FirstOrDefault(t => t.Address == step.Address);
        switch (step.Kind)
        {
            case VfioStepKind.LoadModule:
                LoadModule(step.Value!, step.Path!);
                break;
            case VfioStepKind.WriteOverride:
            case VfioStepKind.ClearOverride:
            case VfioStepKind.Unbind:
            case VfioStepKind.RemovePcibackSlot:
            case VfioStepKind.Probe:
                if (target is not null && !touched.Contains(target)) touched.Add(target);
                _fs.Write(step.Path!, step.Value!);
                break;
            case VfioStepKind.WaitForDriver:
                WaitForDriver(step, target, result);
                break;
            case VfioStepKind.CheckVfioNode:
                if (!_fs.DirectoryExists("/dev"))
                {
                    result.Warnings.Add($"This root ({_fs.Root}) has no /dev, so /dev/vfio/{step.Value} was not checked.");
                    break;
                }
                if (!_fs.Exists(step.Path!) && !_fs.Exists($"/dev/vfio/noiommu-{step.Value}"))
                    throw new VirtToolsException("VfioGroupNodeMissing", FailureKind.NotEnabled,
                        $"{step.Address} is bound to {plan.Driver}, but {step.Path} did not appear, so no guest could open the group.",
                        step.Address.ToString(), "Check that the IOMMU is enabled (Test-VHSRequirement Iommu* gives the advice for this CPU) and that udev or devtmpfs creates /dev/vfio nodes.");
                break;
            case VfioStepKind.BackupPersistentOverride:
                _fs.WriteFileAtomic(step.Path!, step.Value!);
                result.Notes.Add($"Saved the previous persistent override to {step.Path}.");
                break;
            case VfioStepKind.WritePersistentOverride:
                persisted.Add((step.Path!, DriverctlStore.ReadRaw(_fs, step.Path!)));
                _fs.WriteFileAtomic(step.Path!, step.Value!);
                break;
            case VfioStepKind.RemovePersistentOverride:
                persisted.Add((step.Path!, DriverctlStore.ReadRaw(_fs, step.Path!)));
                _fs.Delete(step.Path!);
                break;
        }
    }

    private void LoadModule(string module, string driverDir)
    {
        try
        {
            _host.Modules.Load(module);
        }
        catch (VirtToolsException e) when (VfioDrivers.FindRules(_fs, module) is { Count: > 0 } rules)
        {
            throw new VirtToolsException("DriverModuleBlacklisted", FailureKind.NotEnabled,
                $"{e.Message} {rules[0].File} line {rules[0].Line} has '{rules[0].Text}'.", module,
                "Remove the blacklist line, or name another driver with -Driver.", e);
        }
        if (!_fs.Exists(driverDir))
            throw new VirtToolsException("DriverNotRegistered", FailureKind.NotInstalled,
                $"Module {module} loaded, but {driverDir} did not appear.", module,
                "Check that the module provides this driver (modinfo), or name the driver exactly as /sys/bus/pci/drivers lists it.");
    }

    private void WaitForDriver(VfioStep step, VfioTarget? target, VfioResult result)
    {
        var a = step.Address;
        string? now = null;
        for (var i = 0; i < Math.Max(1, _o.PollAttempts); i++)
        {
            now = PciFunction.Driver(_fs, a);
            if (step.Value is null ? now is not null : now == step.Value) break;
            if (step.Value is not null && now is not null)
                throw new VirtToolsException("BoundToUnexpectedDriver", FailureKind.InvalidOperation,
                    $"{a} was bound to {now} instead of {step.Value}.", a.ToString(),
                    $"Check driver_override and whether {now} claims the device by ID.");
            _o.Sleep(_o.PollInterval);
        }
        if (step.Value is null)
        {
            // A stub that claims the device again (pciback's slots, vfio-pci.ids, pci-stub.ids) leaves it
            // with no host driver: that is a failed disable, not a success.
            if (VfioDrivers.IsPassthrough(now) || now == "pci-stub")
                throw new VirtToolsException("DeviceLeftOnStubDriver", FailureKind.InvalidOperation,
                    $"{a} was probed again but {now} claimed it, not a host driver.", a.ToString(),
                    $"Check what makes {now} take it at every probe: vfio-pci.ids= or pci-stub.ids= on the kernel command line, " +
                    "options ... ids= in /etc/modprobe.d, xen-pciback.hide=; remove that, then run Disable-VfioDevice again, or name the host driver with -Driver.");
            if (now is not null) result.Notes.Add($"{a} is now bound to {now}.");
            else result.Warnings.Add(NoHostDriverWarning(a));
            return;
        }
        if (now != step.Value)
            throw new VirtToolsException("DriverBindTimeout", FailureKind.OperationTimeout,
                $"{a} was not bound to {step.Value} within {(_o.PollInterval * _o.PollAttempts).TotalSeconds:0.##} s (driver now: {now ?? "none"}).",
                a.ToString(), $"Check dmesg for {step.Value} probe errors.");
        if (target is not null) result.Notes.Add($"{a} is now bound to {now}.");
    }

    private string NoHostDriverWarning(PciAddress a)
    {
        string? alias = null;
        try { alias = _fs.ReadAllText(PciFunction.Dir(a) + "/modalias").Trim(); }
        catch (HostIOException) { }
        return $"No host driver bound {a}: none of the loaded drivers matches it. " +
               (alias is null ? "" : $"Load its module with: modprobe '{alias}', ") +
               $"or name the driver: Disable-VfioDevice {a} -Driver <name>.";
    }

    // ---------------------------------------------------------------- rollback

    private string Rollback(VfioPlan plan, List<VfioTarget> touched, List<(string Path, string? Previous)> persisted)
    {
        var lines = new List<string>();
        for (var i = persisted.Count - 1; i >= 0; i--)
        {
            var (path, previous) = persisted[i];
            try
            {
                if (previous is null) _fs.Delete(path);
                else _fs.WriteFileAtomic(path, previous);
            }
            catch (HostIOException e) { lines.Add($"could not restore {path}: {e.Message}."); }
        }
        for (var i = touched.Count - 1; i >= 0; i--)
        {
            var t = touched[i];
            // Enable rolls back to a cleared override (a leftover one is what breaks the host driver);
            // Disable restores the override it found, which keeps the device with its guest driver.
            var finalOverride = plan.Operation == VfioOperation.Enable ? null : t.OriginalOverride;
            lines.Add(Restore(t, finalOverride));
        }
        return lines.Count == 0 ? "Nothing had been changed." : "Rollback: " + string.Join(" ", lines);
    }

    /// <summary>
    /// Puts one function back on its original driver: the override names that driver for one probe
    /// (so it wins even against ID matches, and works for override-only drivers like vfio-pci), then
    /// is set to <paramref name="finalOverride"/>.
    /// </summary>
    private string Restore(VfioTarget t, string? finalOverride)
    {
        var a = t.Address;
        var dir = PciFunction.Dir(a);
        var problems = new List<string>();
        void Try(string path, string value)
        {
            try { _fs.Write(path, value); }
            catch (HostIOException e) { problems.Add($"write '{value.Trim()}' to {path} failed ({e.Errno})"); }
        }
        var orig = t.OriginalDriver;
        Try(dir + "/driver_override", orig ?? "\n");
        var cur = PciFunction.Driver(_fs, a);
        if (cur is not null && cur != orig) Try(dir + "/driver/unbind", a.ToString());
        if (orig is not null && PciFunction.Driver(_fs, a) is null)
        {
            Try(ProbePath, a.ToString());
            for (var i = 0; i < Math.Max(1, _o.PollAttempts) && PciFunction.Driver(_fs, a) != orig; i++) _o.Sleep(_o.PollInterval);
        }
        if ((finalOverride ?? "\n") != (orig ?? "\n")) Try(dir + "/driver_override", finalOverride ?? "\n");
        var now = PciFunction.Driver(_fs, a);
        var ov = PciFunction.Override(_fs, a);
        var state = $"{a} is {(now is null ? "not bound to any driver" : "bound to " + now)}, driver_override {(ov is null ? "cleared" : "= " + ov)}";
        // A refused write of the rollback matters only if it left the function other than it was.
        if (now == orig && ov == finalOverride) return state + " (as before).";
        return $"ROLLBACK INCOMPLETE: {state}; it was {(orig is null ? "unbound" : "on " + orig)}" +
               (problems.Count > 0 ? "; " + string.Join("; ", problems) : "") +
               $". Restore it by hand: echo > {dir}/driver_override; echo {a} > {ProbePath}.";
    }

    private static VirtToolsException Failure(VfioStep step, Exception e, string rollback)
    {
        if (e is VirtToolsException v)
            return new VirtToolsException(v.ErrorId, v.Kind, $"{v.Message} {rollback}", v.Target ?? step.Address.ToString(), v.RecommendedAction, v);
        var io = (HostIOException)e;
        var (id, kind, action) = io.Errno switch
        {
            Errno.EBUSY => ("DeviceBusy", FailureKind.ResourceBusy, "Something holds the device (a running guest, an open file); stop it and retry."),
            Errno.ENODEV => ("DriverRejectedDevice", FailureKind.InvalidOperation, "The driver does not accept this device, or the device went away; check dmesg."),
            Errno.EACCES or Errno.EPERM or Errno.EROFS => ("PermissionDenied", FailureKind.PermissionDenied, "Run as root (sudo pwsh); sysfs is writable only by root."),
            Errno.EINVAL => ("InvalidSysfsValue", FailureKind.InvalidArgument, "The kernel rejected the value; check the driver name and dmesg."),
            Errno.ENOENT => ("SysfsFileMissing", FailureKind.ObjectNotFound, "The kernel does not offer this file; check that the device and driver exist."),
            Errno.EIO => ("DeviceIOError", FailureKind.DeviceError, "Check dmesg for device errors."),
            _ => ("SysfsWriteFailed", FailureKind.WriteError, "Check dmesg."),
        };
        return new VirtToolsException(id, kind,
            $"Step '{step.Description}' failed: {HostIOException.Describe(io.Errno)} ({io.Errno}). {rollback}",
            step.Address.ToString(), action, io);
    }
}
