using System.Globalization;
using VirtTools.Capability;
using VirtTools.Host;
using VirtTools.HostUsage;
using VirtTools.Iommu;
using VirtTools.Pci;
using VirtTools.Requirements;

namespace VirtTools.Vfio;

/// <summary>
/// Moves PCI functions to a pass-through driver and back the way libvirt and driverctl do:
/// driver_override, unbind through the device's own driver link, drivers_probe, verify; never
/// new_id. Every failure rolls the touched functions back to their original driver.
/// </summary>
public sealed class VfioBinder
{
    public const string ProbePath = "/sys/bus/pci/drivers_probe";
    public const string DriversDir = "/sys/bus/pci/drivers";

    private readonly HostContext _host;
    private readonly IHostFileSystem _fs;
    private readonly VfioOptions _o;

    public VfioBinder(HostContext host, VfioOptions? options = null)
    {
        _host = host;
        _fs = host.Files;
        _o = options ?? new VfioOptions();
    }

    // Binding or unbinding a device changes no guest definition, so one scan of libvirt's files and
    // daemon serves every device a binder plans (a pipeline of VFs would otherwise ask libvirtd per VF).
    private GuestDeviceUses? _guests;
    private GuestDeviceUses Guests => _guests ??= GuestDeviceUses.ForHost(_host);

    /// <summary>
    /// Takes the lock of <paramref name="address"/>'s IOMMU group (of the function, when it has none) for a
    /// command to hold from planning to the end: a plan made while another command was still changing the
    /// group would be applied to a group that is no longer as planned. Null for a function that does not
    /// exist (planning says so). The applier takes the same lock again, which the holder's thread re-enters.
    /// </summary>
    public IDisposable? LockGroupOf(PciAddress address)
    {
        if (!PciFunction.Exists(_fs, address)) return null;
        return HostLock.Take(_fs, LockPathOf(address, PciFunction.IommuGroup(_fs, address)), _o.LockTimeout, address.ToString(), "this IOMMU group", " Nothing was changed.", _o.LockWaiting);
    }

    // ---------------------------------------------------------------- planning

    public VfioPlan PlanEnable(PciAddress address)
    {
        RequireDevice(address);
        var driver = _o.Driver ?? VfioDrivers.Default;
        RequireDriverName(driver);
        var group = PciFunction.IommuGroup(_fs, address);
        var plan = new VfioPlan(VfioOperation.Enable, address, driver) { IommuGroup = group, LockPath = LockPathOf(address, group) };
        if (VfioDrivers.IsVfio(driver) && group is null)
            throw new VirtToolsException("IommuGroupMissing", FailureKind.NotEnabled,
                $"{address} has no IOMMU group, so {driver} cannot take it: the IOMMU is off or not supported.",
                address.ToString(), EnableIommuAdvice() + " Check with Test-VHSRequirement Iommu*.");
        // A link into a group the kernel does not list means a torn or hand-made tree: the group's
        // other members, which the isolation check needs, cannot be known.
        if (VfioDrivers.IsVfio(driver) && group is int linked && _fs.DirectoryExists(IommuGroupReader.GroupsDir)
            && !_fs.DirectoryExists($"{IommuGroupReader.GroupsDir}/{linked}"))
            throw new VirtToolsException("IommuGroupInconsistent", FailureKind.InvalidData,
                $"{address}'s iommu_group link names group {linked}, which {IommuGroupReader.GroupsDir} does not have, so the devices that share it cannot be checked. Nothing was changed.",
                address.ToString(), "Check the host root (VIRTTOOLS_ROOT) or the kernel's IOMMU state: Get-IommuGroup lists the groups the kernel reports.");

        var addresses = new List<PciAddress> { address };
        if (_o.IncludeIommuGroup && group is int g)
        {
            foreach (var d in new IommuGroupReader(_fs).TryRead(g)?.Devices ?? Array.Empty<IommuGroupDevice>())
            {
                var m = PciAddress.Parse(d.Address);
                if (m == address) continue;
                if (d.IsBridge || PciFunction.IsAnyBridge(_fs, PciFunction.Dir(m))) plan.Notes.Add($"{m} (IOMMU group {g}) is a bridge; bridges need no binding and are skipped.");
                else addresses.Add(m);
            }
        }

        var guard = new HostUsageGuard(_host, _o.SshConnection);
        foreach (var a in addresses) ApplyGuard(plan, guard, a, address);
        foreach (var a in addresses)
            foreach (var u in Guests.Of(a))
                plan.Warnings.Add($"{a} is already given to libvirt guest '{u.Guest}' ({u.File}{(u.Running ? ", running" : "")}); two guests cannot use it at once.");

        PlanModuleLoad(plan, driver);
        foreach (var a in addresses)
        {
            var t = Target(a, a == address);
            plan.Targets.Add(t);
            if (t.OriginalDriver == driver)
            {
                plan.Notes.Add($"{a} is already bound to {driver}; nothing to change.");
                continue;
            }
            RequireOverrideFile(a);
            plan.Steps.Add(WriteOverrideStep(a, driver));
            if (t.OriginalDriver is string cur)
                plan.Steps.Add(UnbindStep(a, cur));
            plan.Steps.Add(ProbeStep(a));
            plan.Steps.Add(WaitStep(a, driver));
            if (VfioDrivers.IsVfio(driver) && t.IommuGroup is int tg)
                plan.Steps.Add(new VfioStep(VfioStepKind.CheckVfioNode, a, $"verify that /dev/vfio/{tg} exists", "/dev/vfio/" + tg, tg.ToString(CultureInfo.InvariantCulture)));
        }
        if (_o.Persist)
            foreach (var t in plan.Targets) DriverctlStore.PlanWrite(_fs, plan, t.Address, driver, _o.Force);

        if (!_o.IncludeIommuGroup && group is int grp) FindBlockers(plan, grp, addresses);
        return plan;
    }

    public VfioPlan PlanDisable(PciAddress address)
    {
        RequireDevice(address);
        var hostDriver = _o.Driver;
        if (hostDriver is not null)
        {
            RequireDriverName(hostDriver);
            if (VfioDrivers.IsPassthrough(hostDriver))
                throw new VirtToolsException("DriverIsPassthrough", FailureKind.InvalidArgument,
                    $"-Driver names the host driver to return {address} to; {hostDriver} is a pass-through driver.",
                    address.ToString(), $"Use Enable-VfioDevice -Driver {hostDriver} to move a device to a pass-through driver.");
        }
        var group = PciFunction.IommuGroup(_fs, address);
        var plan = new VfioPlan(VfioOperation.Disable, address, hostDriver) { IommuGroup = group, LockPath = LockPathOf(address, group) };
        var t = Target(address, true);
        plan.Targets.Add(t);
        if (VfioDrivers.IsPassthrough(t.OriginalDriver) || VfioDrivers.IsPassthrough(t.OriginalOverride)) RequireOverrideFile(address);
        if (VfioDrivers.IsPassthrough(t.OriginalDriver)) GuardGuests(plan, address);
        if (!VfioDrivers.IsPassthrough(t.OriginalDriver))
        {
            plan.Notes.Add(t.OriginalDriver is null
                ? $"{address} is not bound to any driver; there is nothing to unbind."
                : $"{address} is bound to {t.OriginalDriver}, not to a pass-through driver; there is nothing to unbind.");
            if (VfioDrivers.IsPassthrough(t.OriginalOverride))
            {
                plan.Steps.Add(ClearOverrideStep(address, $"the leftover driver_override '{t.OriginalOverride}'"));
                if (t.OriginalDriver is null)
                {
                    plan.Steps.Add(ProbeStep(address));
                    plan.Steps.Add(WaitStep(address, null));
                }
            }
        }
        else if (hostDriver is not null)
        {
            PlanModuleLoad(plan, hostDriver);
            plan.Steps.Add(WriteOverrideStep(address, hostDriver));
            plan.Steps.Add(UnbindStep(address, t.OriginalDriver!));
            if (PcibackSlots.Holds(_fs, address)) plan.Steps.Add(PcibackSlots.RemoveStep(address));
            plan.Steps.Add(ProbeStep(address));
            plan.Steps.Add(WaitStep(address, hostDriver));
            plan.Steps.Add(ClearOverrideStep(address, "driver_override"));
        }
        else
        {
            plan.Steps.Add(ClearOverrideStep(address, "driver_override"));
            plan.Steps.Add(UnbindStep(address, t.OriginalDriver!));
            if (PcibackSlots.Holds(_fs, address)) plan.Steps.Add(PcibackSlots.RemoveStep(address));
            plan.Steps.Add(ProbeStep(address));
            plan.Steps.Add(WaitStep(address, null));
        }
        if (_o.Persist) DriverctlStore.PlanRemove(_fs, plan, address, _o.Force);
        return plan;
    }

    private static VfioStep WriteOverrideStep(PciAddress a, string driver)
    {
        var path = PciFunction.Dir(a) + "/driver_override";
        return new VfioStep(VfioStepKind.WriteOverride, a, $"write '{driver}' to {path}", path, driver);
    }

    private static VfioStep ClearOverrideStep(PciAddress a, string what)
    {
        var path = PciFunction.Dir(a) + "/driver_override";
        return new VfioStep(VfioStepKind.ClearOverride, a, $"clear {what} (write a newline to {path})", path, "\n");
    }

    private static VfioStep UnbindStep(PciAddress a, string from)
    {
        var path = PciFunction.Dir(a) + "/driver/unbind";
        return new VfioStep(VfioStepKind.Unbind, a, $"unbind {a} from {from} (write '{a}' to {path})", path, a.ToString());
    }

    private static VfioStep ProbeStep(PciAddress a) =>
        new(VfioStepKind.Probe, a, $"probe {a} (write '{a}' to {ProbePath})", ProbePath, a.ToString());

    /// <summary>Verify a named driver; with null, wait for any host driver and only warn when none comes.</summary>
    private static VfioStep WaitStep(PciAddress a, string? driver) =>
        driver is null
            ? new(VfioStepKind.WaitForDriver, a, $"wait for a host driver to bind {a}", PciFunction.Dir(a) + "/driver") { Soft = true }
            : new(VfioStepKind.WaitForDriver, a, $"verify that {a} is bound to {driver}", PciFunction.Dir(a) + "/driver", driver);

    private void RequireDevice(PciAddress a)
    {
        if (!PciFunction.Exists(_fs, a))
            throw new VirtToolsException("DeviceNotFound", FailureKind.ObjectNotFound,
                $"There is no PCI function {a} on this host.", a.ToString(), "Run Get-PciDevice to list the addresses on this host.");
    }

    /// <summary>
    /// Every bind goes through driver_override (never new_id, which would take every device with the
    /// same ids); kernels before 3.16 and some captures lack the file, so say so before touching anything.
    /// </summary>
    private void RequireOverrideFile(PciAddress a)
    {
        var path = PciFunction.Dir(a) + "/driver_override";
        if (_fs.Exists(path)) return;
        throw new VirtToolsException("DriverOverrideMissing", FailureKind.NotImplemented,
            $"{a} has no {path} (kernels before 3.16 lack it, and so do some captures), and VirtTools binds only through driver_override. Nothing was changed.",
            a.ToString(), "Use a kernel with driver_override (Linux 3.16 or later); VirtTools does not fall back to new_id, which would claim every device with the same ids.");
    }

    private string EnableIommuAdvice()
    {
        try { return IommuAdvice.Enable(CapabilityReader.For(_host).ReadFacts()); }
        catch (Exception e) when (e is HostIOException or VirtToolsException)
        {
            return IommuAdvice.Enable(null, KernelCommandLine.Parse(null), null, null);
        }
    }

    private static void RequireDriverName(string driver)
    {
        if (!VfioDrivers.IsValidName(driver))
            throw new VirtToolsException("InvalidDriverName", FailureKind.InvalidArgument,
                $"'{driver}' is not a driver name.", driver, "Name a PCI driver as /sys/bus/pci/drivers lists it, e.g. vfio-pci.");
    }

    private VfioTarget Target(PciAddress a, bool requested) => new()
    {
        Address = a,
        OriginalDriver = PciFunction.Driver(_fs, a),
        OriginalOverride = PciFunction.Override(_fs, a),
        IommuGroup = PciFunction.IommuGroup(_fs, a),
        Requested = requested,
    };

    private static string LockPathOf(PciAddress a, int? group) =>
        group is int g ? $"{HostLock.Directory}/iommu-group-{g.ToString(CultureInfo.InvariantCulture)}.lock" : $"{HostLock.Directory}/pci-{a}.lock";

    /// <summary>Error ids of <see cref="GuardGuests"/>.</summary>
    public static class GuestIds
    {
        public const string Running = "DeviceInRunningGuest";
        public const string Defined = "DeviceAssignedToGuest";
    }

    /// <summary>
    /// libvirt names the guests a device is given to (<see cref="GuestDeviceUses"/>, what Get-PciDevice
    /// shows as AssignedToGuest). Giving the device back to the host makes such a guest fail to start; from a
    /// running guest the unbind would block until QEMU lets go, so -Force does not override that.
    /// </summary>
    private void GuardGuests(VfioPlan plan, PciAddress a)
    {
        var uses = Guests.Of(a);
        if (uses.Count == 0) return;
        var running = uses.FirstOrDefault(u => u.Running);
        if (running is not null)
            throw new VirtToolsException(GuestIds.Running, FailureKind.ResourceBusy,
                $"{a} is passed through to the running libvirt guest '{running.Guest}' ({running.File}); giving it back to the host would block until the guest lets go. -Force does not override this.",
                a.ToString(), $"Shut the guest down (Stop-VMGuest {running.Guest}) or detach the device from it (Remove-VMGuestHostDevice -Live), then retry.");
        var names = string.Join(", ", uses.Select(u => $"'{u.Guest}'").Distinct());
        if (!_o.Force)
            throw new VirtToolsException(GuestIds.Defined, FailureKind.ResourceBusy,
                $"Refusing to give {a} back to the host: the libvirt guest {names} is defined with it ({uses[0].File}) and would fail to start without it.",
                a.ToString(), "Remove the device from the guest first (Remove-VMGuestHostDevice -Persistent), or use -Force.");
        plan.Warnings.Add($"-Force overrides a safety check ({GuestIds.Defined}): {a} stays in the definition of {names}.");
    }

    private void ApplyGuard(VfioPlan plan, HostUsageGuard guard, PciAddress a, PciAddress requested)
    {
        var reasons = guard.Check(a);
        if (reasons.Count == 0) return;
        var companion = a == requested ? "" : $" ({a} shares IOMMU group {plan.IommuGroup} with {requested}, and -IncludeIommuGroup would bind it too.)";
        var hard = reasons.FirstOrDefault(r => !r.CanForce);
        if (hard is not null)
            throw new VirtToolsException(hard.ErrorId, hard.Kind, hard.Message + companion, a.ToString(), hard.RecommendedAction);
        if (!_o.Force)
        {
            var first = reasons[0];
            var more = reasons.Count > 1 ? " Also: " + string.Join(" ", reasons.Skip(1).Select(r => r.Message)) : "";
            throw new VirtToolsException(first.ErrorId, first.Kind,
                $"Refusing to take {a} from the host: {first.Message}{more}{companion}", a.ToString(), first.RecommendedAction);
        }
        foreach (var r in reasons)
        {
            plan.Overridden.Add(r);
            plan.Warnings.Add($"-Force overrides a safety check ({r.ErrorId}): {r.Message}");
        }
    }

    private void PlanModuleLoad(VfioPlan plan, string driver)
    {
        var driverDir = $"{DriversDir}/{driver}";
        if (_fs.Exists(driverDir)) return;
        var module = VfioDrivers.ModuleOf(driver);
        var rules = VfioDrivers.FindRules(_fs, module);
        if (rules.FirstOrDefault(r => r.Disables) is { } off)
            throw new VirtToolsException("DriverModuleBlacklisted", FailureKind.NotEnabled,
                $"The {driver} driver is not loaded, and {off.File} line {off.Line} ('{off.Text}') keeps modprobe from loading module {module}.",
                module, $"Remove that line (and rebuild the initrd if the file is in it), or name another driver with -Driver.");
        foreach (var r in rules)
            plan.Warnings.Add($"{r.File} line {r.Line} blacklists {module} ('{r.Text}'). Loading it by name works, but it will not load by itself at boot.");
        plan.Steps.Add(new VfioStep(VfioStepKind.LoadModule, plan.Address, $"load kernel module {module} (modprobe {module}) to register {driverDir}", driverDir, module));
    }

    private void FindBlockers(VfioPlan plan, int group, IReadOnlyCollection<PciAddress> bound)
    {
        var g = new IommuGroupReader(_fs).TryRead(group);
        if (g is null) return;
        foreach (var d in g.Devices)
        {
            if (IommuGroupReader.IsDmaSafe(d) || (PciAddress.TryParse(d.Address, out var a) && bound.Contains(a))) continue;
            plan.GroupBlockers.Add(new VfioGroupBlocker(group, PciAddress.Parse(d.Address), d.Driver));
        }
        // The warning waits for the whole command (VfioPlan.NonViableWarnings): later input may bind the rest.
    }
    /// <summary>Runs the plan under the group lock; on any failure rolls back and throws a VirtToolsException.</summary>
    public VfioResult Execute(VfioPlan plan) => new VfioApplier(_host, _o).Execute(plan);
}
