using VirtTools.Host;
using VirtTools.Pci;
using Ids = VirtTools.Sriov.SriovVfManager.Ids;

namespace VirtTools.Sriov;

/// <summary>
/// Applies a <see cref="SriovVfPlan"/> under the PF's SR-IOV lock: one `ip link set` call per setting,
/// the ones already made put back in reverse order when a later one fails.
/// </summary>
internal sealed class SriovVfApplier
{
    private readonly SriovVfReader _reader;
    private readonly IHostFileSystem _fs;
    private readonly TimeSpan _lockTimeout;
    private readonly Action<LockWait>? _lockWaiting;

    public SriovVfApplier(SriovVfReader reader, IHostFileSystem fs, TimeSpan lockTimeout, Action<LockWait>? lockWaiting = null)
    {
        _reader = reader;
        _fs = fs;
        _lockTimeout = lockTimeout;
        _lockWaiting = lockWaiting;
    }

    /// <summary>
    /// Runs the plan's calls in order. When one fails, the calls made before it are undone in reverse
    /// order and the failure is thrown, naming the setting and the kernel's answer. Returns the VF re-read.
    /// </summary>
    public SriovVf Execute(SriovVfPlan plan, Action<SriovVfStep>? before = null)
    {
        var pf = PciAddress.Parse(plan.Current.PhysicalFunction);
        // The lock Set-SriovVfCount holds: VFs must not be destroyed or re-created under these calls, and
        // two setters must not interleave, or the undo of one would put back values the other replaced.
        var lockPath = SriovConfigurator.LockPathOf(pf);
        using (HostLock.Take(_fs, lockPath, _lockTimeout, pf.ToString(), "the VFs of this device", " Nothing was changed.", _lockWaiting))
        {
            // The undo calls put back what planning read: refuse when the VF changed since then.
            var (_, now) = _reader.ReadPf(pf);
            var vf = now.FirstOrDefault(v => v.Index == plan.Current.Index);
            var changed = vf is null ? new[] { "the VF is gone" } : SriovVfManager.Differences(plan.Current, vf, "planned on").ToArray();
            if (changed.Length > 0)
                throw new VirtToolsException(Ids.StateChanged, FailureKind.ResourceBusy,
                    $"VF {plan.Current.Index} of {pf} changed after the change was planned ({string.Join(", ", changed)}). Nothing was changed.",
                    plan.Current.Address ?? pf.ToString(), $"Check who else configures this VF, then run the command again (Get-SriovVf {pf} shows it now).");
            return Run(plan, pf, before);
        }
    }

    private SriovVf Run(SriovVfPlan plan, PciAddress pf, Action<SriovVfStep>? before)
    {
        var done = new List<SriovVfStep>();
        foreach (var step in plan.Steps)
        {
            before?.Invoke(step);
            var r = _reader.RunIp(pf, step.Arguments);
            if (r.ExitCode == 0)
            {
                done.Add(step);
                continue;
            }
            var failure = Refusal(plan, step, r);
            var restoreProblems = new List<string>();
            for (var i = done.Count - 1; i >= 0; i--)
            {
                var back = done[i];
                if (back.RestoreArguments is null)
                {
                    restoreProblems.Add($"{back.Setting} cannot be put back (its old value was not reported)");
                    continue;
                }
                try
                {
                    var rr = _reader.RunIp(pf, back.RestoreArguments);
                    if (rr.ExitCode != 0) restoreProblems.Add($"ip {string.Join(' ', back.RestoreArguments)}: {SriovVfReader.Answer(rr.StandardError)}");
                }
                catch (VirtToolsException e) { restoreProblems.Add(e.Message); }
            }
            if (restoreProblems.Count > 0)
                throw new VirtToolsException(Ids.RestoreFailed, FailureKind.InvalidOperation,
                    failure.Message + " Restoring the settings already made failed: " + string.Join("; ", restoreProblems) + ".",
                    failure.Target, "Check the VF with Get-SriovVf and set what is wrong by hand.", failure);
            if (done.Count > 0)
                throw new VirtToolsException(failure.ErrorId, failure.Kind,
                    failure.Message + $" The settings already made ({string.Join(", ", done.Select(d => d.Setting))}) were put back.",
                    failure.Target, failure.RecommendedAction);
            throw failure;
        }
        var (_, vfs) = _reader.ReadPf(pf);
        return vfs.FirstOrDefault(v => v.Index == plan.Current.Index)
            ?? throw new VirtToolsException(Ids.IndexOutOfRange, FailureKind.ObjectNotFound,
                $"VF {plan.Current.Index} of {pf} is gone after its settings were made ({vfs.Count} VFs now): the VF count changed meanwhile.",
                pf.ToString(), $"Run Get-SriovVf {pf} to see the VFs there are now.");
    }

    private VirtToolsException Refusal(SriovVfPlan plan, SriovVfStep step, ProcessResult r)
    {
        var cur = plan.Current;
        var pf = cur.PhysicalFunction;
        var drv = plan.PfDriver ?? "PF";
        var (id, kind, answer) = SriovVfReader.Classify(r.StandardError);
        var what = step.Setting switch
        {
            "MacAddress" => "the MAC address",
            "VlanId" => "the port VLAN and QoS",
            "TxRate" => "the transmit rates",
            "SpoofCheck" => "MAC spoof checking",
            "Trust" => "trust",
            "LinkState" => "the link state",
            _ => step.Setting,
        };
        var head = $"Setting {what} of VF {cur.Index} of {pf} ({plan.PfInterface}, driver {drv}) failed: {answer} ({step.CommandLine}).";
        if (id == Ids.InterfaceGone) return SriovVfReader.InterfaceGone(PciAddress.Parse(pf), plan.PfInterface);
        var action = (id, step.Setting) switch
        {
            (Ids.NotSupported, "LinkState") => $"The {drv} driver keeps VF links following the PF (auto); leave -LinkState out.",
            (Ids.NotSupported, _) => $"The {drv} driver does not offer this VF setting; leave it out (Get-SriovVf shows what the driver reports).",
            (Ids.Rejected, "TxRate") => $"Check the rates against the link speed; drivers without a guaranteed rate (igb, ixgbe) refuse any -MinTxRate above 0 — use -MaxTxRate alone.",
            (Ids.Rejected, "MacAddress") => "Use a unicast MAC that no other VF of this PF has.",
            (Ids.Rejected, _) => "Check the value against what the driver supports (dmesg often says more).",
            (Ids.PermissionDenied, _) => "Run as root (CAP_NET_ADMIN).",
            (Ids.Busy, _) => "Bring the VF's interface down, or unbind it from its driver, and retry; some drivers change a VF's MAC only then.",
            (Ids.NoSpace, _) => "The PF's filter tables are full; free MAC/VLAN filters or use fewer VFs.",
            _ => "Check dmesg for the driver's message and retry.",
        };
        if (id == Ids.NotSupported) kind = FailureKind.NotImplemented;
        return new VirtToolsException(id, kind, head + " Nothing else was changed.", cur.Address ?? pf, action);
    }
}
