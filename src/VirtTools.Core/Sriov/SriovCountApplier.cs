using System.Diagnostics;
using System.Globalization;
using VirtTools.Host;
using VirtTools.Pci;
using VirtTools.Vfio;
using static VirtTools.Sriov.SriovConfigurator;

namespace VirtTools.Sriov;

/// <summary>
/// Runs a <see cref="SriovPlan"/> of <see cref="SriovConfigurator"/> under the PF's lock, and restores
/// the count (and the autoprobe and rules files) it started from when a step fails.
/// </summary>
internal sealed class SriovCountApplier
{
    private readonly IHostFileSystem _fs;
    private readonly SriovOptions _o;

    public SriovCountApplier(IHostFileSystem fs, SriovOptions options)
    {
        _fs = fs;
        _o = options;
    }

    /// <summary>Runs the plan under the PF's lock; on any failure restores the starting count and throws.</summary>
    public SriovResult Execute(SriovPlan plan)
    {
        var result = new SriovResult(plan) { FinalCount = plan.Current };
        if (!plan.HasChanges) return result;
        var pf = plan.PhysicalFunction;
        using (HostLock.Take(_fs, plan.LockPath, _o.LockTimeout, pf.ToString(), "the VFs of this device", waiting: _o.LockWaiting))
        {
            var now = ReadInt(NumVfsPath(pf));
            if (now != plan.Current)
                throw new VirtToolsException(Ids.StateChanged, FailureKind.ResourceBusy,
                    $"{pf} had {plan.Current} VFs when the change was planned and has {now} now; something else changed it. Nothing was changed.",
                    pf.ToString(), "Check who else configures SR-IOV on this host (udev rules, scripts), then retry.");
            var undo = new Undo();
            foreach (var step in plan.Steps)
            {
                try { Run(plan, step, result, undo); }
                catch (Exception e) when (e is HostIOException or VirtToolsException)
                {
                    throw Failure(plan, step, e, Rollback(plan, undo));
                }
            }
            result.FinalCount = ReadInt(NumVfsPath(pf));
        }
        return result;
    }

    private sealed class Undo
    {
        public bool Count;
        public bool AutoProbe;
        public bool Rules;
        public string? RulesText;
    }

    private void Run(SriovPlan plan, SriovStep step, SriovResult result, Undo undo)
    {
        var pf = plan.PhysicalFunction;
        switch (step.Kind)
        {
            case SriovStepKind.WriteAutoProbe:
                undo.AutoProbe = true;
                _fs.Write(step.Path, step.Value);
                break;
            case SriovStepKind.WriteNumVfs:
            {
                var n = int.Parse(step.Value, CultureInfo.InvariantCulture);
                var sw = Stopwatch.StartNew();
                undo.Count = true;
                _fs.Write(step.Path, step.Value);
                result.Timings.Add((n, sw.Elapsed.TotalSeconds));
                var reread = ReadInt(step.Path);
                if (n == 0 && reread != 0)
                    throw new VirtToolsException(Ids.DisableIncomplete, FailureKind.InvalidOperation,
                        $"The write of 0 to {step.Path} succeeded, but sriov_numvfs still reads {reread}.", pf.ToString(),
                        $"Check dmesg for errors of {plan.PfDriver}; a device reset or a reload of the driver may be needed.");
                if (n > 0 && reread < n)
                    throw new VirtToolsException(Ids.FewerVfs, FailureKind.LimitsExceeded,
                        $"The {plan.PfDriver} driver of {pf} enabled only {reread} of the {n} VFs asked for (the write succeeded, sriov_numvfs reads {reread}; TotalVFs {plan.TotalVfs}).",
                        pf.ToString(), $"Ask for at most {reread} VFs, or look in dmesg (\"{n} VFs requested; only {reread} enabled\") for what the device or its firmware is short of.");
                break;
            }
            case SriovStepKind.WaitForVfs:
                WaitForVfs(plan, int.Parse(step.Value, CultureInfo.InvariantCulture), result);
                break;
            case SriovStepKind.WritePersistentRule:
            case SriovStepKind.RemovePersistentRule:
            {
                var before = SriovRules.ReadText(_fs);
                var after = SriovRules.Edit(before, pf, step.Kind == SriovStepKind.WritePersistentRule ? plan.Requested : null,
                    step.Kind == SriovStepKind.WritePersistentRule ? SriovRules.Parse(step.Value)?.AutoProbe : null);
                undo.Rules = true;
                undo.RulesText = before;
                if (after is null) _fs.Delete(step.Path);
                else _fs.WriteFileAtomic(step.Path, after);
                break;
            }
        }
    }

    private void WaitForVfs(SriovPlan plan, int n, SriovResult result)
    {
        var pf = plan.PhysicalFunction;
        var dir = PciFunction.Dir(pf);
        var sw = Stopwatch.StartNew();
        var present = 0;
        while (true)
        {
            present = 0;
            for (var i = 0; i < n; i++)
                if (_fs.Exists($"{dir}/virtfn{i}")) present++;
            _o.Progress?.Invoke(present, n, sw.Elapsed.TotalSeconds);
            if (present == n) break;
            if (sw.Elapsed >= _o.VfWaitTimeout)
                throw new VirtToolsException(Ids.VfsNotCreated, FailureKind.OperationTimeout,
                    $"sriov_numvfs of {pf} reads {n}, but only {present} of its {n} VFs (virtfn links) appeared within {_o.VfWaitTimeout.TotalSeconds:0.#} s.",
                    pf.ToString(), $"Check dmesg for errors of {plan.PfDriver} while creating VFs.");
            _o.Sleep(_o.PollInterval);
        }
        if (result.Timings.Count > 0)
        {
            var (c, s) = result.Timings[^1];
            result.Timings[^1] = (c, s + sw.Elapsed.TotalSeconds);
        }
        var vfs = VirtualFunctions(dir);
        result.Notes.Add($"{pf} has {n} VFs: {string.Join(", ", vfs.Select(v => $"{v.Address} ({PciFunction.Driver(_fs, v.Address) ?? "no driver"})"))}.");
    }

    // ---------------------------------------------------------------- rollback

    private string Rollback(SriovPlan plan, Undo undo)
    {
        var pf = plan.PhysicalFunction;
        var lines = new List<string>();
        var problems = new List<string>();
        void Try(string path, string value)
        {
            try { _fs.Write(path, value); }
            catch (HostIOException e) { problems.Add($"write '{value}' to {path} failed ({e.Errno})"); }
        }
        if (undo.Rules)
        {
            try
            {
                if (undo.RulesText is null) _fs.Delete(SriovRules.FilePath);
                else _fs.WriteFileAtomic(SriovRules.FilePath, undo.RulesText);
            }
            catch (HostIOException e) { problems.Add($"could not restore {SriovRules.FilePath} ({e.Errno})"); }
        }
        int? now = null;
        var restored = false;
        if (undo.Count)
        {
            now = TryReadInt(NumVfsPath(pf));
            if (now != plan.Current)
            {
                restored = true;
                if (now is not 0) Try(NumVfsPath(pf), "0");
                if (plan.Current > 0) Try(NumVfsPath(pf), plan.Current.ToString(CultureInfo.InvariantCulture));
                now = TryReadInt(NumVfsPath(pf));
            }
        }
        if (undo.AutoProbe && plan.CurrentAutoProbe is bool ap) Try(AutoProbePath(pf), ap ? "1" : "0");
        if (!undo.Count && !undo.AutoProbe && !undo.Rules) return "Nothing had been changed.";
        if (now is int n && n == plan.Current && problems.Count == 0)
        {
            lines.Add(restored ? $"Rollback: {pf} has {n} VFs again (as before)." : $"{pf} still has {n} VFs (as before).");
            if (restored && n > 0 && plan.Destroyed.Any(v => v.Driver is not null))
                lines.Add("They are new devices: driver bindings made to the old VFs (such as vfio-pci) are not restored.");
            return string.Join(" ", lines);
        }
        if (now is null && problems.Count == 0) return "Rollback: the settings are as before.";
        return $"ROLLBACK INCOMPLETE: {pf} has {now?.ToString(CultureInfo.InvariantCulture) ?? "an unreadable number of"} VFs; it had {plan.Current}" +
               (problems.Count > 0 ? "; " + string.Join("; ", problems) : "") +
               $". Restore it by hand: echo 0 > {NumVfsPath(pf)}" + (plan.Current > 0 ? $"; echo {plan.Current} > {NumVfsPath(pf)}" : "") + ".";
    }

    /// <summary>Maps the kernel's answer to a write (section 4.1 of the reference) to an id and what to do.</summary>
    private VirtToolsException Failure(SriovPlan plan, SriovStep step, Exception e, string rollback)
    {
        var pf = plan.PhysicalFunction.ToString();
        if (e is VirtToolsException v)
            return new VirtToolsException(v.ErrorId, v.Kind, $"{v.Message} {rollback}", v.Target ?? pf, v.RecommendedAction, v);
        var io = (HostIOException)e;
        var drv = plan.PfDriver ?? "its driver";
        (string Id, FailureKind Kind, string Why, string Action) m;
        if (step.Kind == SriovStepKind.WriteNumVfs)
        {
            m = io.Errno switch
            {
                Errno.ENOENT when PciFunction.Driver(_fs, plan.PhysicalFunction) is null => (Ids.PfNotBound, FailureKind.NotEnabled,
                    "no driver is bound to the PF, and only its driver can create VFs",
                    $"Bind the PF's host driver (Disable-VfioDevice {pf}, or load its module), then retry."),
                Errno.ENOENT => (Ids.DriverNotConfigurable, FailureKind.NotImplemented,
                    $"the {drv} driver does not support configuring SR-IOV through sysfs (no sriov_configure)",
                    VfioDrivers.IsVfio(drv)
                        ? $"{drv} creates VFs only when loaded with enable_sriov=1 (modprobe {VfioDrivers.ModuleOf(drv)} enable_sriov=1); or give the PF back to its host driver."
                        : $"Some drivers take the count as a module parameter instead (igb, ixgbe: max_vfs=N in /etc/modprobe.d); see modinfo {drv}."),
                Errno.EPERM => (Ids.VfsAssigned, FailureKind.ResourceBusy,
                    $"the {drv} driver refuses to change SR-IOV while VFs are assigned to guests (EPERM here is not a permission problem)",
                    "Shut down the guests using the VFs or detach the VFs from them (Xen: xl pci-assignable-remove), then retry."),
                Errno.ENOMEM => (Ids.NoResources, FailureKind.ResourceUnavailable,
                    "the kernel found no room for the VFs' BARs or bus numbers (dmesg: \"not enough MMIO resources for SR-IOV\" or \"bus number out of range\")",
                    "Enable SR-IOV and Above 4G Decoding in the BIOS/UEFI setup, or boot with pci=realloc; fewer VFs may fit."),
                Errno.ENOSPC => (Ids.NoInterrupts, FailureKind.LimitsExceeded,
                    "the PF has no MSI-X vectors left for the VFs (dmesg: \"Only N MSI-X interrupts available for SR-IOV\")",
                    "Ask for fewer VFs, or give the PF fewer queues first (ethtool -L <pf-interface> combined <n>)."),
                Errno.EBUSY => (Ids.Busy, FailureKind.ResourceBusy,
                    "VFs are already enabled (the kernel changes a count only from 0), or the firmware has SR-IOV switched off",
                    $"Check Get-PciDevice {pf} and dmesg; set the count to 0 first, or enable SR-IOV in the NIC firmware (e.g. mlx5 SRIOV_EN)."),
                Errno.ERANGE => (Ids.CountAboveTotal, FailureKind.LimitsExceeded,
                    $"the count is above TotalVFs ({plan.TotalVfs})",
                    $"Use a count from 0 to {plan.TotalVfs}."),
                Errno.EINVAL => (Ids.InvalidValue, FailureKind.InvalidArgument,
                    "the kernel or the driver rejected the value (some firmware with SR-IOV off answers this way)",
                    $"Check dmesg for messages of {drv}, and that SR-IOV is enabled in the device firmware."),
                Errno.EACCES or Errno.EROFS => ("PermissionDenied", FailureKind.PermissionDenied,
                    "sysfs is writable only by root", "Run as root (sudo pwsh)."),
                _ => ("SriovWriteFailed", FailureKind.WriteError, "the kernel refused the write", $"Check dmesg for messages of {drv}."),
            };
        }
        else
        {
            m = io.Errno switch
            {
                Errno.EACCES or Errno.EPERM or Errno.EROFS => ("PermissionDenied", FailureKind.PermissionDenied,
                    "the file is writable only by root", "Run as root (sudo pwsh)."),
                Errno.EINVAL => (Ids.InvalidValue, FailureKind.InvalidArgument, "the kernel rejected the value", "Check dmesg."),
                _ => ("SriovWriteFailed", FailureKind.WriteError, "the write failed", "Check dmesg and the file's permissions."),
            };
        }
        return new VirtToolsException(m.Id, m.Kind,
            $"Step '{step.Description}' failed: {HostIOException.Describe(io.Errno)} ({io.Errno}): {m.Why}. {rollback}",
            pf, m.Action, io);
    }

    private int ReadInt(string path) => SriovConfigurator.ReadInt(_fs, path);

    private int? TryReadInt(string path)
    {
        try { return ReadInt(path); }
        catch (Exception e) when (e is HostIOException or VirtToolsException) { return null; }
    }

    private List<(int Index, PciAddress Address)> VirtualFunctions(string dir) => SriovConfigurator.VirtualFunctions(_fs, dir);
}
