using System.Globalization;
using VirtTools.Host;
using VirtTools.HostUsage;
using VirtTools.Pci;
using VirtTools.Vfio;

namespace VirtTools.Sriov;

/// <summary>
/// Changes the number of SR-IOV virtual functions of a physical function through sriov_numvfs,
/// the way the kernel allows it (pci-iov-howto; drivers/pci/iov.c sriov_numvfs_store): a count
/// changes only from or to 0, all VFs go at once, a driver may enable fewer than asked and still
/// succeed. Plans first, refuses to destroy VFs the host or a guest still uses, runs the plan under
/// a lock, and restores the count it started from when anything fails half-way.
/// </summary>
public sealed class SriovConfigurator
{
    public static class Ids
    {
        public const string NotSupported = "SriovNotSupported";
        public const string IsVirtualFunction = "DeviceIsVirtualFunction";
        public const string CountAboveTotal = "SriovCountAboveTotal";
        public const string CountNegative = "SriovCountNegative";
        public const string PfNotBound = "SriovPfNotBound";
        public const string DriverNotConfigurable = "SriovDriverNotConfigurable";
        public const string VfsAssigned = "SriovVfsAssigned";
        public const string NoResources = "SriovResourcesExhausted";
        public const string NoInterrupts = "SriovInterruptsExhausted";
        public const string Busy = "SriovVfsAlreadyEnabled";
        public const string InvalidValue = "SriovInvalidValue";
        public const string FewerVfs = "SriovFewerVfsEnabled";
        public const string VfsNotCreated = "SriovVfsNotCreated";
        public const string DisableIncomplete = "SriovDisableIncomplete";
        public const string StateChanged = "SriovStateChanged";
        public const string Locked = HostLock.LockedId;
        public const string HeldOpen = "SriovVfHeldOpen";
        public const string Passthrough = "SriovVfBoundToPassthrough";
        public const string InGuest = "SriovVfInGuestDefinition";
        public const string AutoProbeUnsupported = "SriovAutoProbeUnsupported";
    }

    private readonly HostContext _host;
    private readonly IHostFileSystem _fs;
    private readonly SriovOptions _o;

    public SriovConfigurator(HostContext host, SriovOptions? options = null)
    {
        _host = host;
        _fs = host.Files;
        _o = options ?? new SriovOptions();
    }

    public static string NumVfsPath(PciAddress pf) => PciFunction.Dir(pf) + "/sriov_numvfs";
    /// <summary>The lock every change of a PF's VFs (their count, their settings) holds.</summary>
    public static string LockPathOf(PciAddress pf) => $"{HostLock.Directory}/sriov-{pf}.lock";

    public static string TotalVfsPath(PciAddress pf) => PciFunction.Dir(pf) + "/sriov_totalvfs";
    public static string AutoProbePath(PciAddress pf) => PciFunction.Dir(pf) + "/sriov_drivers_autoprobe";

    /// <summary>
    /// Takes the lock of <paramref name="pf"/>'s VFs for a command to hold from planning to the end (the applier
    /// takes it again, re-entering); null for a function that does not exist (planning says so).
    /// </summary>
    public IDisposable? LockPhysicalFunction(PciAddress pf) =>
        PciFunction.Exists(_fs, pf) ? HostLock.Take(_fs, LockPathOf(pf), _o.LockTimeout, pf.ToString(), "the VFs of this device", " Nothing was changed.", _o.LockWaiting) : null;

    // ---------------------------------------------------------------- planning

    public SriovPlan PlanSetCount(PciAddress pf, int count)
    {
        if (!PciFunction.Exists(_fs, pf))
            throw new VirtToolsException("DeviceNotFound", FailureKind.ObjectNotFound,
                $"There is no PCI function {pf} on this host.", pf.ToString(), "Run Get-PciDevice -PhysicalFunction to list the SR-IOV physical functions.");
        var dir = PciFunction.Dir(pf);
        if (HostPath.LinkName(_fs, dir + "/physfn") is string physfn)
        {
            var pfTotal = PciAddress.TryParse(physfn, out var pfa) && _fs.FileExists(TotalVfsPath(pfa)) ? ReadInt(TotalVfsPath(pfa)).ToString(CultureInfo.InvariantCulture) : "unknown";
            throw new VirtToolsException(Ids.IsVirtualFunction, FailureKind.InvalidArgument,
                $"{pf} is a virtual function of {physfn}. VF counts are set on the physical function ({physfn}, TotalVFs {pfTotal}).",
                pf.ToString(), $"Run Set-SriovVfCount {physfn} -Count <0..{pfTotal}>.");
        }
        if (!_fs.FileExists(TotalVfsPath(pf)))
            throw new VirtToolsException(Ids.NotSupported, FailureKind.InvalidArgument,
                $"{pf} is not an SR-IOV physical function (it has no sriov_totalvfs, so TotalVFs is 0): it has no VFs to set.",
                pf.ToString(), "Run Get-PciDevice -PhysicalFunction to list the SR-IOV physical functions; on some NICs SR-IOV must first be enabled in the firmware or BIOS.");
        var total = ReadInt(TotalVfsPath(pf));
        if (count < 0)
            throw new VirtToolsException(Ids.CountNegative, FailureKind.InvalidArgument,
                $"-Count {count} is negative; {pf} takes 0 to {total} VFs (TotalVFs {total}).", pf.ToString(), $"Use a count from 0 to {total}.");
        if (count > total)
            throw new VirtToolsException(Ids.CountAboveTotal, FailureKind.LimitsExceeded,
                $"{pf} supports at most {total} VFs (TotalVFs {total}, sriov_totalvfs); {count} were asked for. Nothing was changed.",
                pf.ToString(), $"Use -Count 0 to {total}. TotalVFs comes from the device and its firmware settings (e.g. mlx5 NUM_OF_VFS).");
        var current = ReadInt(NumVfsPath(pf));
        var driver = PciFunction.Driver(_fs, pf);
        bool? autoProbe = null;
        if (_fs.FileExists(AutoProbePath(pf)))
            autoProbe = ReadInt(AutoProbePath(pf)) != 0;
        var plan = new SriovPlan(pf, count)
        {
            Current = current, TotalVfs = total, PfDriver = driver, CurrentAutoProbe = autoProbe,
            LockPath = LockPathOf(pf),
        };
        var changes = count != current;
        if (!changes) plan.Notes.Add($"{pf} already has {count} VFs (sriov_numvfs = {current}); the count stays as it is.");
        if (changes && driver is null)
            throw new VirtToolsException(Ids.PfNotBound, FailureKind.NotEnabled,
                $"{pf} has no driver bound, and only the PF's driver can create or remove VFs (the kernel would answer ENOENT). TotalVFs {total}, now {current}.",
                pf.ToString(), $"Bind the PF's host driver first (Disable-VfioDevice {pf}, or load its module), then retry.");

        if (_o.AutoProbe is bool ap)
        {
            if (autoProbe is null)
                throw new VirtToolsException(Ids.AutoProbeUnsupported, FailureKind.NotImplemented,
                    $"{pf} has no sriov_drivers_autoprobe (kernels before 4.12), so -AutoProbe cannot be applied.",
                    pf.ToString(), "Leave out -AutoProbe, and unbind the VFs after they are created (Enable-VfioDevice does that).");
            if (autoProbe == ap)
                plan.Notes.Add($"sriov_drivers_autoprobe of {pf} is already {(ap ? 1 : 0)}.");
            else
                plan.Steps.Add(new SriovStep(SriovStepKind.WriteAutoProbe,
                    $"write {(ap ? 1 : 0)} to {AutoProbePath(pf)} (VFs created from now on {(ap ? "are probed by their host driver" : "stay without a driver, ready for vfio-pci")})",
                    AutoProbePath(pf), ap ? "1" : "0"));
        }

        if (changes && current > 0)
        {
            CheckVfs(plan, dir);
            if (count > 0)
                plan.Notes.Add($"The kernel changes a VF count only from 0 (it answers EBUSY otherwise), so the {current} VFs of {pf} are removed first.");
            plan.Steps.Add(new SriovStep(SriovStepKind.WriteNumVfs,
                $"write 0 to {NumVfsPath(pf)} (removes all {current} VFs: {string.Join(", ", plan.Destroyed.Select(v => v.Address))})",
                NumVfsPath(pf), "0"));
        }
        if (changes && count > 0)
        {
            plan.Steps.Add(new SriovStep(SriovStepKind.WriteNumVfs,
                $"write {count} to {NumVfsPath(pf)} (creates {count} VFs through {driver})", NumVfsPath(pf), count.ToString(CultureInfo.InvariantCulture)));
            plan.Steps.Add(new SriovStep(SriovStepKind.WaitForVfs,
                $"check that sriov_numvfs reads {count} and wait up to {_o.VfWaitTimeout.TotalSeconds:0.#} s for {PciFunction.Dir(pf)}/virtfn0{(count > 1 ? $"..virtfn{count - 1}" : "")}",
                PciFunction.Dir(pf), count.ToString(CultureInfo.InvariantCulture)));
        }
        if (_o.Persist) PlanPersist(plan);
        return plan;
    }

    private void PlanPersist(SriovPlan plan)
    {
        var pf = plan.PhysicalFunction;
        var rules = SriovRules.ReadAll(_fs);
        rules.TryGetValue(pf, out var existing);
        foreach (var other in SriovRules.OtherRules(_fs, pf))
            plan.Warnings.Add($"{other} also sets sriov_numvfs for {pf}; VirtTools leaves that file alone, and whichever rule udev applies last wins.");
        if (plan.Requested == 0)
        {
            if (existing is null)
            {
                plan.Notes.Add($"{SriovRules.FilePath} has no line for {pf}; nothing persistent to remove.");
                return;
            }
            plan.Steps.Add(new SriovStep(SriovStepKind.RemovePersistentRule,
                $"remove the line for {pf} ({existing.NumVfs} VFs) from {SriovRules.FilePath}", SriovRules.FilePath, ""));
            return;
        }
        var autoProbe = _o.AutoProbe ?? existing?.AutoProbe;
        if (existing is not null && existing.NumVfs == plan.Requested && existing.AutoProbe == autoProbe)
        {
            plan.Notes.Add($"{SriovRules.FilePath} already sets {plan.Requested} VFs for {pf}.");
            return;
        }
        plan.Steps.Add(new SriovStep(SriovStepKind.WritePersistentRule,
            $"{(existing is null ? "add" : "replace")} the line for {pf} in {SriovRules.FilePath}: {SriovRules.Line(pf, plan.Requested, autoProbe)}",
            SriovRules.FilePath, SriovRules.Line(pf, plan.Requested, autoProbe)));
    }

    /// <summary>
    /// Looks at every VF the change removes. One held open through VFIO is refused even with -Force:
    /// the removal would block in the kernel until the process (a running guest) lets go. What the
    /// host or a guest definition uses is refused without -Force.
    /// </summary>
    private void CheckVfs(SriovPlan plan, string dir)
    {
        var guard = new HostUsageGuard(_host, _o.SshConnection);
        var openers = new VfioOpeners(_fs);
        var guests = GuestDeviceUses.ForHost(_host);
        var scannedProcesses = false;
        foreach (var (index, vf) in VirtualFunctions(dir))
        {
            var reasons = new List<HostUsageReason>();
            var driver = PciFunction.Driver(_fs, vf);
            var nodes = VfioNodes(vf).Where(_fs.Exists).ToList();
            var holders = new List<VfioOpener>();
            if (nodes.Count > 0)
            {
                scannedProcesses = true;
                foreach (var n in nodes) holders.AddRange(openers.Of(n));
            }
            if (holders.Count > 0)
            {
                var who = string.Join(", ", holders.Select(h => $"{h.Node} by PID {h.Pid} ({h.ProcessName})"));
                reasons.Add(new HostUsageReason(Ids.HeldOpen, vf.ToString(),
                    $"VF {vf} (virtfn{index}, IOMMU group {PciFunction.IommuGroup(_fs, vf)?.ToString(CultureInfo.InvariantCulture) ?? "none"}) is held open through VFIO: {who}. " +
                    "Removing it would block until that process lets go; -Force does not override this.",
                    $"Shut down the guest that uses it, or detach the device from it (virsh detach-device), so that PID {holders[0].Pid} closes {holders[0].Node}; then retry.") { CanForce = false });
            }
            else if (VfioDrivers.IsPassthrough(driver))
            {
                reasons.Add(new HostUsageReason(Ids.Passthrough, vf.ToString(),
                    $"VF {vf} (virtfn{index}) is bound to {driver} for pass-through; no process holds it open now, but a guest may be about to use it.",
                    $"Return it first (Disable-VfioDevice {vf}), or use -Force if no guest needs it."));
            }
            reasons.AddRange(guard.Check(vf).Where(r => r.ErrorId != HostUsageGuard.Ids.Bridge));
            reasons.AddRange(guard.CheckAddresses(vf));
            foreach (var g in guests.Of(vf))
                reasons.Add(new HostUsageReason(Ids.InGuest, vf.ToString(),
                    $"VF {vf} (virtfn{index}) is assigned to libvirt guest '{g.Guest}' ({g.File}{(g.Running ? ", running" : "")}). Without it the guest fails to start.",
                    $"Detach it from '{g.Guest}' first (virsh detach-device --config), or use -Force."));
            plan.Destroyed.Add(new SriovVfUse(vf, index, driver, reasons));
        }
        if (scannedProcesses && openers.Unreadable > 0)
            plan.Warnings.Add($"The open files of {openers.Unreadable} processes could not be read (not root?), so a VF held open by one of them would not be seen.");
        foreach (var p in guests.Problems.Where(p => !p.EndsWith(HostIOException.Describe(Errno.ENOENT), StringComparison.Ordinal)))
            plan.Notes.Add($"libvirt guest definitions: {p}");

        var pf = plan.PhysicalFunction;
        var what = plan.Requested == 0
            ? $"Setting the VF count of {pf} to 0 removes all {plan.Current} VFs"
            : $"Changing the VF count of {pf} from {plan.Current} to {plan.Requested} removes all {plan.Current} VFs first (the kernel changes a count only from 0)";
        var hard = plan.Destroyed.SelectMany(v => v.Reasons).Where(r => !r.CanForce).ToList();
        if (hard.Count > 0)
            throw new VirtToolsException(hard[0].ErrorId, FailureKind.ResourceBusy,
                $"{what}, and {string.Join(" ", hard.Select(r => r.Message))} Nothing was changed.", hard[0].Address, hard[0].RecommendedAction);
        var soft = plan.Destroyed.SelectMany(v => v.Reasons).ToList();
        if (soft.Count == 0) return;
        if (!_o.Force)
            throw new VirtToolsException(soft[0].ErrorId, soft[0].Kind,
                $"Refusing: {what}, and {string.Join(" ", soft.Select(r => r.Message))} Nothing was changed.", soft[0].Address, soft[0].RecommendedAction);
        foreach (var r in soft)
        {
            plan.Overridden.Add(r);
            plan.Warnings.Add($"-Force overrides a safety check ({r.ErrorId}): {r.Message}");
        }
    }

    /// <summary>The VFs as the PF lists them (virtfnN links), by index.</summary>    public IReadOnlyList<(int Index, PciAddress Address)> VirtualFunctions(PciAddress pf) => VirtualFunctions(_fs, PciFunction.Dir(pf));

    internal static List<(int Index, PciAddress Address)> VirtualFunctions(IHostFileSystem fs, string dir)
    {
        var list = new List<(int, PciAddress)>();
        foreach (var n in fs.List(dir))
        {
            if (!n.StartsWith("virtfn", StringComparison.Ordinal) ||
                !int.TryParse(n.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var i)) continue;
            if (PciAddress.TryParse(HostPath.LinkName(fs, $"{dir}/{n}"), out var a)) list.Add((i, a));
        }
        list.Sort((x, y) => x.Item1.CompareTo(y.Item1));
        return list;
    }

    private List<(int Index, PciAddress Address)> VirtualFunctions(string dir) => VirtualFunctions(_fs, dir);

    /// <summary>The VFIO nodes a process can hold for a function: its group, and its iommufd device cdev.</summary>
    private IEnumerable<string> VfioNodes(PciAddress vf)
    {
        if (PciFunction.IommuGroup(_fs, vf) is int g)
        {
            yield return $"/dev/vfio/{g}";
            yield return $"/dev/vfio/noiommu-{g}";
        }
        foreach (var n in _fs.List(PciFunction.Dir(vf) + "/vfio-dev")) yield return $"/dev/vfio/devices/{n}";
    }

    /// <summary>Runs the plan under the PF's lock; on any failure restores the starting count and throws.</summary>
    public SriovResult Execute(SriovPlan plan) => new SriovCountApplier(_fs, _o).Execute(plan);

    internal static int ReadInt(IHostFileSystem fs, string path)
    {
        var text = fs.ReadAllText(path).Trim();
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new VirtToolsException("InvalidSysfsValue", FailureKind.InvalidData, $"{path} reads '{text}', not a number.", path, "Check the kernel and the device.");
    }

    private int ReadInt(string path) => ReadInt(_fs, path);
}
