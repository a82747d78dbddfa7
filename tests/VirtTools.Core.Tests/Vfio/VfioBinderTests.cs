using VirtTools.Host;
using VirtTools.HostUsage;
using VirtTools.Pci;
using VirtTools.Testing;
using VirtTools.Vfio;
using W = VirtTools.Testing.SimulatedHosts.Workstation;

namespace VirtTools.Tests;

public class VfioBinderTests
{
    internal static VfioOptions Fast(Action<VfioOptions>? more = null)
    {
        var o = new VfioOptions { PollInterval = TimeSpan.Zero, PollAttempts = 5, Sleep = _ => { }, LockTimeout = TimeSpan.FromMilliseconds(200) };
        more?.Invoke(o);
        return o;
    }

    private static VfioResult Enable(SimHost h, string address, Action<VfioOptions>? more = null)
    {
        var b = new VfioBinder(h.Kernel.Context, Fast(more));
        return b.Execute(b.PlanEnable(PciAddress.Parse(address)));
    }

    private static VfioResult Disable(SimHost h, string address, Action<VfioOptions>? more = null)
    {
        var b = new VfioBinder(h.Kernel.Context, Fast(more));
        return b.Execute(b.PlanDisable(PciAddress.Parse(address)));
    }

    private static string[] Log(SimulatedKernel k) => k.Writes.Select(w => w.ToString()).ToArray();

    [Fact]
    public void Enable_loads_vfio_then_writes_override_unbind_probe_in_that_order_and_never_new_id()
    {
        using var h = new SimHost();
        var k = h.Kernel;
        Enable(h, W.FreeNic);
        Assert.Equal(new[] { "vfio_pci" }, k.Modules.Loaded);
        Assert.Equal(new[]
        {
            $"/sys/bus/pci/devices/{W.FreeNic}/driver_override <- vfio-pci",
            $"/sys/bus/pci/devices/{W.FreeNic}/driver/unbind <- {W.FreeNic}",
            $"/sys/bus/pci/drivers_probe <- {W.FreeNic}",
        }, Log(k));
        Assert.Equal("/sys/bus/pci/drivers/e1000e/unbind", k.Writes[1].ResolvedPath);
        Assert.Empty(k.WritesTo("new_id"));
        Assert.Equal("vfio-pci", k.DriverOf(W.FreeNic));
        Assert.Equal("vfio-pci", k.DriverOverrideOf(W.FreeNic));
        Assert.True(k.Exists("/dev/vfio/4"));
    }

    [Fact]
    public void An_unbound_device_gets_override_and_probe_but_no_unbind()
    {
        using var h = new SimHost(vfioLoaded: true);
        h.Kernel.Write($"/sys/bus/pci/devices/{W.FreeNic}/driver/unbind", W.FreeNic);
        h.Kernel.ClearLog();
        Enable(h, W.FreeNic);
        Assert.Equal(new[]
        {
            $"/sys/bus/pci/devices/{W.FreeNic}/driver_override <- vfio-pci",
            $"/sys/bus/pci/drivers_probe <- {W.FreeNic}",
        }, Log(h.Kernel));
        Assert.Equal("vfio-pci", h.Kernel.DriverOf(W.FreeNic));
    }

    [Fact]
    public void A_failure_on_an_unbound_device_leaves_it_unbound_with_override_cleared()
    {
        using var h = new SimHost(vfioLoaded: true);
        h.Kernel.Write($"/sys/bus/pci/devices/{W.FreeNic}/driver/unbind", W.FreeNic);
        h.Kernel.CreateVfioNodes = false;
        Assert.Throws<VirtToolsException>(() => Enable(h, W.FreeNic));
        Assert.Null(h.Kernel.DriverOf(W.FreeNic));
        Assert.Equal("(null)", h.Kernel.DriverOverrideOf(W.FreeNic));
    }

    [Fact]
    public void Enable_twice_changes_nothing_the_second_time()
    {
        using var h = new SimHost(vfioLoaded: true);
        Enable(h, W.FreeNic);
        h.Kernel.ClearLog();
        var b = new VfioBinder(h.Kernel.Context, Fast());
        var plan = b.PlanEnable(PciAddress.Parse(W.FreeNic));
        Assert.False(plan.HasChanges);
        Assert.Contains(plan.Notes, n => n.Contains("already bound to vfio-pci"));
        b.Execute(plan);
        Assert.Empty(h.Kernel.Writes);
    }

    [Fact]
    public void Asynchronous_probe_is_waited_for()
    {
        using var h = new SimHost(vfioLoaded: true);
        h.Kernel.AsyncProbeReads = 4;
        Enable(h, W.FreeNic);
        Assert.Equal("vfio-pci", h.Kernel.DriverOf(W.FreeNic));
    }

    public static TheoryData<string, Errno, string, FailureKind> StepFailures => new()
    {
        { "*/driver_override", Errno.EACCES, "PermissionDenied", FailureKind.PermissionDenied },
        { "*/driver_override", Errno.EINVAL, "InvalidSysfsValue", FailureKind.InvalidArgument },
        { "*/driver/unbind", Errno.EBUSY, "DeviceBusy", FailureKind.ResourceBusy },
        { "*/driver/unbind", Errno.EACCES, "PermissionDenied", FailureKind.PermissionDenied },
        { "/sys/bus/pci/drivers_probe", Errno.ENODEV, "DriverRejectedDevice", FailureKind.InvalidOperation },
        { "/sys/bus/pci/drivers_probe", Errno.EBUSY, "DeviceBusy", FailureKind.ResourceBusy },
        { "/sys/bus/pci/drivers_probe", Errno.EINVAL, "InvalidSysfsValue", FailureKind.InvalidArgument },
        { "/sys/bus/pci/drivers_probe", Errno.EIO, "DeviceIOError", FailureKind.DeviceError },
        { "*/driver_override", Errno.ENOENT, "SysfsFileMissing", FailureKind.ObjectNotFound },
        { "*/driver/unbind", Errno.ENOSPC, "SysfsWriteFailed", FailureKind.WriteError },
    };

    [Theory]
    [MemberData(nameof(StepFailures))]
    public void Every_step_failure_rolls_back_to_the_original_driver_with_override_cleared(string pattern, Errno errno, string id, FailureKind kind)
    {
        using var h = new SimHost(vfioLoaded: true);
        var k = h.Kernel;
        k.Fail(pattern, errno);
        var e = Assert.Throws<VirtToolsException>(() => Enable(h, W.FreeNic));
        Assert.Equal(id, e.ErrorId);
        Assert.Equal(kind, e.Kind);
        Assert.Equal(W.FreeNic, e.Target);
        Assert.Contains("as before", e.Message);
        Assert.Equal("e1000e", k.DriverOf(W.FreeNic));
        Assert.Equal("(null)", k.DriverOverrideOf(W.FreeNic));
        Assert.False(k.Exists("/dev/vfio/4"));
    }

    [Fact]
    public void A_driver_that_never_binds_times_out_and_rolls_back()
    {
        using var h = new SimHost(vfioLoaded: true);
        h.Kernel.FailProbe("vfio-pci");
        var e = Assert.Throws<VirtToolsException>(() => Enable(h, W.FreeNic));
        Assert.Equal("DriverBindTimeout", e.ErrorId);
        Assert.Equal(FailureKind.OperationTimeout, e.Kind);
        Assert.Equal("e1000e", h.Kernel.DriverOf(W.FreeNic));
        Assert.Equal("(null)", h.Kernel.DriverOverrideOf(W.FreeNic));
        // Rollback: override names the original for one probe, then is cleared.
        Assert.Equal(new[]
        {
            $"/sys/bus/pci/devices/{W.FreeNic}/driver_override <- vfio-pci",
            $"/sys/bus/pci/devices/{W.FreeNic}/driver/unbind <- {W.FreeNic}",
            $"/sys/bus/pci/drivers_probe <- {W.FreeNic}",
            $"/sys/bus/pci/devices/{W.FreeNic}/driver_override <- e1000e",
            $"/sys/bus/pci/drivers_probe <- {W.FreeNic}",
            $"/sys/bus/pci/devices/{W.FreeNic}/driver_override <- \\n",
        }, Log(h.Kernel));
    }

    [Fact]
    public void A_missing_dev_vfio_node_fails_and_rolls_back()
    {
        using var h = new SimHost(vfioLoaded: true);
        h.Kernel.CreateVfioNodes = false;
        var e = Assert.Throws<VirtToolsException>(() => Enable(h, W.FreeNic));
        Assert.Equal("VfioGroupNodeMissing", e.ErrorId);
        Assert.Equal(FailureKind.NotEnabled, e.Kind);
        Assert.Equal("e1000e", h.Kernel.DriverOf(W.FreeNic));
        Assert.Equal("(null)", h.Kernel.DriverOverrideOf(W.FreeNic));
    }

    [Fact]
    public void A_failed_rollback_says_so_and_how_to_repair()
    {
        using var h = new SimHost(vfioLoaded: true);
        h.Kernel.FailProbe("vfio-pci");
        h.Kernel.Fail("/sys/bus/pci/drivers_probe", Errno.EIO, times: 0, after: 1);
        var e = Assert.Throws<VirtToolsException>(() => Enable(h, W.FreeNic));
        Assert.Contains("ROLLBACK INCOMPLETE", e.Message);
        Assert.Contains("echo", e.Message);
    }

    [Fact]
    public void Group_binding_takes_the_companion_skips_the_bridge_and_rolls_back_all_on_failure()
    {
        using var h = new SimHost(vfioLoaded: true);
        var k = h.Kernel;
        var b = new VfioBinder(k.Context, Fast(o => o.IncludeIommuGroup = true));
        var plan = b.PlanEnable(PciAddress.Parse(W.Gpu));
        Assert.Equal(new[] { W.Gpu, W.GpuAudio }, plan.Targets.Select(t => t.Address.ToString()));
        Assert.Contains(plan.Notes, n => n.Contains(W.GpuRootPort) && n.Contains("bridge"));

        k.Fail("/sys/bus/pci/drivers_probe", Errno.EBUSY, after: 1);
        Assert.Throws<VirtToolsException>(() => b.Execute(plan));
        Assert.Equal("nouveau", k.DriverOf(W.Gpu));
        Assert.Equal("snd_hda_intel", k.DriverOf(W.GpuAudio));
        Assert.Equal("(null)", k.DriverOverrideOf(W.Gpu));
        Assert.Equal("(null)", k.DriverOverrideOf(W.GpuAudio));
        Assert.Equal("pcieport", k.DriverOf(W.GpuRootPort));

        b.Execute(b.PlanEnable(PciAddress.Parse(W.Gpu)));
        Assert.Equal("vfio-pci", k.DriverOf(W.Gpu));
        Assert.Equal("vfio-pci", k.DriverOf(W.GpuAudio));
        Assert.Equal("pcieport", k.DriverOf(W.GpuRootPort));
    }

    [Fact]
    public void Without_IncludeIommuGroup_a_warning_names_the_members_still_to_bind()
    {
        using var h = new SimHost(vfioLoaded: true);
        var r = Enable(h, W.Gpu);
        Assert.Equal(new[] { $"{W.GpuAudio} (snd_hda_intel)" }, r.Plan.GroupBlockers.Select(b => b.ToString()));
        var w = Assert.Single(VfioPlan.NonViableWarnings(new[] { r.Plan }));
        Assert.True(w.Contains("non-viable") && w.Contains(W.GpuAudio) && !w.Contains(W.GpuRootPort), w);
    }

    [Theory]
    [InlineData(W.RootNvme, HostUsageGuard.Ids.RootFilesystem)]
    [InlineData(W.RouteNic, HostUsageGuard.Ids.DefaultRoute)]
    [InlineData(W.BondedNic, HostUsageGuard.Ids.SshSession)]
    [InlineData(W.BootVga, HostUsageGuard.Ids.BootVga)]
    [InlineData(W.SataSwapLvm, HostUsageGuard.Ids.MountedFilesystem)]
    [InlineData(W.SataMdMember, HostUsageGuard.Ids.VolumeMember)]
    public void Host_devices_are_refused_without_Force_and_nothing_is_written(string address, string id)
    {
        using var h = new SimHost(vfioLoaded: true);
        var e = Assert.Throws<VirtToolsException>(() => Enable(h, address, o => o.SshConnection = W.SshConnection));
        Assert.Equal(id, e.ErrorId);
        Assert.Equal(FailureKind.ResourceBusy, e.Kind);
        Assert.Equal(address, e.Target);
        Assert.False(string.IsNullOrEmpty(e.RecommendedAction));
        Assert.Empty(h.Kernel.Writes);
    }

    [Fact]
    public void Force_overrides_a_guard_with_a_warning()
    {
        using var h = new SimHost(vfioLoaded: true);
        var r = Enable(h, W.RouteNic, o => o.Force = true);
        Assert.Contains(r.Plan.Warnings, w => w.Contains(HostUsageGuard.Ids.DefaultRoute));
        Assert.Equal("vfio-pci", h.Kernel.DriverOf(W.RouteNic));
    }

    [Fact]
    public void A_bridge_is_refused_even_with_Force()
    {
        using var h = new SimHost(vfioLoaded: true);
        var e = Assert.Throws<VirtToolsException>(() => Enable(h, W.NicRootPort, o => o.Force = true));
        Assert.Equal(HostUsageGuard.Ids.Bridge, e.ErrorId);
        Assert.Equal(FailureKind.InvalidOperation, e.Kind);
        Assert.Empty(h.Kernel.Writes);
    }

    [Fact]
    public void Group_binding_is_refused_when_a_companion_is_a_host_device()
    {
        using var h = new SimHost(vfioLoaded: true);
        // Put the route NIC into the GPU's group, as a board without ACS would.
        h.Kernel.Tree.Group(W.RouteNic, 1);
        var e = Assert.Throws<VirtToolsException>(() => Enable(h, W.Gpu, o => o.IncludeIommuGroup = true));
        Assert.Equal(HostUsageGuard.Ids.DefaultRoute, e.ErrorId);
        Assert.Equal(W.RouteNic, e.Target);
        Assert.Contains("IOMMU group 1", e.Message);
    }

    [Fact]
    public void Missing_module_is_NotInstalled_and_an_install_false_rule_is_named()
    {
        using var h = new SimHost();
        var e = Assert.Throws<VirtToolsException>(() => Enable(h, W.FreeNic, o => o.Driver = "mlx5_vfio_pci"));
        Assert.Equal("ModuleLoadFailed", e.ErrorId);
        Assert.Equal(FailureKind.NotInstalled, e.Kind);
        Assert.Equal("e1000e", h.Kernel.DriverOf(W.FreeNic));

        h.Kernel.Tree.File("/etc/modprobe.d/50-blacklist.conf", "# keep vfio away\ninstall vfio_pci /bin/false\n");
        var b = Assert.Throws<VirtToolsException>(() => Enable(h, W.FreeNic));
        Assert.Equal("DriverModuleBlacklisted", b.ErrorId);
        Assert.Equal(FailureKind.NotEnabled, b.Kind);
        Assert.Contains("50-blacklist.conf line 2", b.Message);
        Assert.DoesNotContain("vfio_pci", h.Kernel.Modules.Loaded);
    }

    [Fact]
    public void A_module_that_does_not_register_the_driver_is_DriverNotRegistered()
    {
        using var h = new SimHost();
        h.Kernel.Modules.Available("vfio_pci", "vfio-pci-renamed", null, true);
        var e = Assert.Throws<VirtToolsException>(() => Enable(h, W.FreeNic));
        Assert.Equal("DriverNotRegistered", e.ErrorId);
        Assert.Equal(FailureKind.NotInstalled, e.Kind);
        Assert.Equal("e1000e", h.Kernel.DriverOf(W.FreeNic));
        Assert.Empty(h.Kernel.Writes);
    }

    [Fact]
    public void A_blacklist_line_only_warns_because_loading_by_name_still_works()
    {
        using var h = new SimHost();
        h.Kernel.Tree.File("/usr/lib/modprobe.d/vfio.conf", "blacklist vfio-pci\n");
        var r = Enable(h, W.FreeNic);
        Assert.Contains(r.Plan.Warnings, w => w.Contains("blacklists vfio_pci"));
        Assert.Equal("vfio-pci", h.Kernel.DriverOf(W.FreeNic));
    }

    [Fact]
    public void No_iommu_group_means_vfio_cannot_work()
    {
        using var h = new SimHost(vfioLoaded: true);
        File.Delete(Path.Join(h.Root, h.Kernel.Tree.DeviceDir(W.FreeNic), "iommu_group"));
        var e = Assert.Throws<VirtToolsException>(() => Enable(h, W.FreeNic));
        Assert.Equal("IommuGroupMissing", e.ErrorId);
        Assert.Equal(FailureKind.NotEnabled, e.Kind);
    }

    [Fact]
    public void Unknown_device_is_ObjectNotFound()
    {
        using var h = new SimHost();
        var e = Assert.Throws<VirtToolsException>(() => Enable(h, "0000:99:00.0"));
        Assert.Equal("DeviceNotFound", e.ErrorId);
        Assert.Equal(FailureKind.ObjectNotFound, e.Kind);
    }

    [Fact]
    public void Persist_writes_driverctl_file_refuses_a_different_one_and_backs_it_up_with_Force()
    {
        using var h = new SimHost(vfioLoaded: true);
        var path = DriverctlStore.PathOf(PciAddress.Parse(W.FreeNic));
        Enable(h, W.FreeNic, o => o.Persist = true);
        Assert.Equal("vfio-pci\n", h.Kernel.ReadAllText(path));
        Assert.Equal("vfio-pci", DriverctlStore.Read(h.Kernel, PciAddress.Parse(W.FreeNic)));

        h.Kernel.WriteFileAtomic(path, "igb\n");
        var e = Assert.Throws<VirtToolsException>(() => Enable(h, W.FreeNic, o => o.Persist = true));
        Assert.Equal("PersistentOverrideConflict", e.ErrorId);
        Assert.Equal(FailureKind.ResourceExists, e.Kind);
        Assert.Equal("igb\n", h.Kernel.ReadAllText(path));

        var r = Enable(h, W.FreeNic, o => { o.Persist = true; o.Force = true; });
        Assert.Equal("vfio-pci\n", h.Kernel.ReadAllText(path));
        Assert.Equal("igb\n", h.Kernel.ReadAllText(DriverctlStore.BackupPathOf(PciAddress.Parse(W.FreeNic))));
        Assert.Contains(r.Plan.Warnings, w => w.Contains("-Force replaces"));
    }

    [Fact]
    public void A_bind_failure_also_undoes_the_persistence_file()
    {
        using var h = new SimHost(vfioLoaded: true);
        var b = new VfioBinder(h.Kernel.Context, Fast(o => { o.Persist = true; o.IncludeIommuGroup = true; }));
        var plan = b.PlanEnable(PciAddress.Parse(W.Gpu));
        // Persistence steps come last; make the second file write fail.
        var last = plan.Steps.Last();
        Assert.Equal(VfioStepKind.WritePersistentOverride, last.Kind);
        Directory.CreateDirectory(Path.Join(h.Root, last.Path!));
        Assert.ThrowsAny<VirtToolsException>(() => b.Execute(plan));
        Assert.False(h.Kernel.FileExists(DriverctlStore.PathOf(PciAddress.Parse(W.Gpu))));
        Assert.Equal("nouveau", h.Kernel.DriverOf(W.Gpu));
        Assert.Equal("snd_hda_intel", h.Kernel.DriverOf(W.GpuAudio));
    }

    private static void DefineGuest(SimHost h, string dir, string name, string address)
    {
        var a = PciAddress.Parse(address);
        h.Kernel.Tree.File($"{dir}/{name}.xml",
            $"<domain type='kvm'><name>{name}</name><devices><hostdev mode='subsystem' type='pci' managed='no'><source>" +
            $"<address domain='0x{a.Domain:x4}' bus='0x{a.Bus:x2}' slot='0x{a.Slot:x2}' function='0x{a.Function:x}'/></source></hostdev></devices></domain>");
    }

    [Fact]
    public void Disable_refuses_a_device_a_guest_is_defined_with_unless_Force()
    {
        using var h = new SimHost(vfioLoaded: true);
        Enable(h, W.FreeNic);
        DefineGuest(h, "/etc/libvirt/qemu", "db01", W.FreeNic);
        h.Kernel.ClearLog();
        var e = Assert.Throws<VirtToolsException>(() => Disable(h, W.FreeNic));
        Assert.Equal(VfioBinder.GuestIds.Defined, e.ErrorId);
        Assert.Contains("'db01'", e.Message);
        Assert.Equal(W.FreeNic, e.Target);
        Assert.Empty(h.Kernel.Writes);
        Assert.Equal("vfio-pci", h.Kernel.DriverOf(W.FreeNic));

        var r = Disable(h, W.FreeNic, o => o.Force = true);
        Assert.Contains(r.Plan.Warnings, w => w.Contains(VfioBinder.GuestIds.Defined));
        Assert.Equal("e1000e", h.Kernel.DriverOf(W.FreeNic));
    }

    [Fact]
    public void Disable_refuses_a_device_of_a_running_guest_even_with_Force()
    {
        using var h = new SimHost(vfioLoaded: true);
        Enable(h, W.FreeNic);
        DefineGuest(h, "/etc/libvirt/qemu", "db01", W.FreeNic);
        DefineGuest(h, "/run/libvirt/qemu", "db01", W.FreeNic);
        h.Kernel.ClearLog();
        var e = Assert.Throws<VirtToolsException>(() => Disable(h, W.FreeNic, o => o.Force = true));
        Assert.Equal(VfioBinder.GuestIds.Running, e.ErrorId);
        Assert.Empty(h.Kernel.Writes);
        Assert.Equal("vfio-pci", h.Kernel.DriverOf(W.FreeNic));
    }

    [Fact]
    public void Enable_warns_when_a_guest_already_has_the_device()
    {
        using var h = new SimHost(vfioLoaded: true);
        DefineGuest(h, "/etc/libvirt/qemu", "web01", W.FreeNic);
        var r = Enable(h, W.FreeNic);
        Assert.Contains(r.Plan.Warnings, w => w.Contains("'web01'"));
        Assert.Equal("vfio-pci", h.Kernel.DriverOf(W.FreeNic));
    }

    [Fact]
    public void Disable_clears_override_unbinds_probes_and_the_host_driver_returns()
    {
        using var h = new SimHost(vfioLoaded: true);
        Enable(h, W.FreeNic, o => o.Persist = true);
        h.Kernel.ClearLog();
        Disable(h, W.FreeNic, o => o.Persist = true);
        Assert.Equal(new[]
        {
            $"/sys/bus/pci/devices/{W.FreeNic}/driver_override <- \\n",
            $"/sys/bus/pci/devices/{W.FreeNic}/driver/unbind <- {W.FreeNic}",
            $"/sys/bus/pci/drivers_probe <- {W.FreeNic}",
        }, Log(h.Kernel));
        Assert.Equal("/sys/bus/pci/drivers/vfio-pci/unbind", h.Kernel.Writes[1].ResolvedPath);
        Assert.Equal("e1000e", h.Kernel.DriverOf(W.FreeNic));
        Assert.Equal("(null)", h.Kernel.DriverOverrideOf(W.FreeNic));
        Assert.False(h.Kernel.Exists("/dev/vfio/4"));
        Assert.False(h.Kernel.FileExists(DriverctlStore.PathOf(PciAddress.Parse(W.FreeNic))));
    }

    [Fact]
    public void Disable_with_no_matching_host_driver_warns_with_the_modalias()
    {
        using var h = new SimHost(vfioLoaded: true);
        Enable(h, W.FreeNic);
        var k2 = h.Kernel;
        k2.FailProbe("e1000e");
        var r = Disable(h, W.FreeNic);
        Assert.Null(k2.DriverOf(W.FreeNic));
        Assert.Contains(r.Warnings, w => w.Contains("modprobe 'pci:v00008086d000010D3"));
    }

    [Fact]
    public void Disable_with_Driver_loads_it_binds_through_override_and_clears_it()
    {
        using var h = new SimHost(vfioLoaded: true);
        Enable(h, W.FreeNic);
        h.Kernel.Modules.Available("e1000", "e1000", new[] { "8086:10d3" });
        h.Kernel.ClearLog();
        Disable(h, W.FreeNic, o => o.Driver = "e1000");
        Assert.Equal("e1000", h.Kernel.DriverOf(W.FreeNic));
        Assert.Equal("(null)", h.Kernel.DriverOverrideOf(W.FreeNic));
        Assert.Contains("e1000", h.Kernel.Modules.Loaded);
        Assert.Equal(new[]
        {
            $"/sys/bus/pci/devices/{W.FreeNic}/driver_override <- e1000",
            $"/sys/bus/pci/devices/{W.FreeNic}/driver/unbind <- {W.FreeNic}",
            $"/sys/bus/pci/drivers_probe <- {W.FreeNic}",
            $"/sys/bus/pci/devices/{W.FreeNic}/driver_override <- \\n",
        }, Log(h.Kernel));
    }

    [Fact]
    public void Disable_failure_returns_the_device_to_vfio_with_its_override()
    {
        using var h = new SimHost(vfioLoaded: true);
        Enable(h, W.FreeNic);
        h.Kernel.Fail("/sys/bus/pci/drivers_probe", Errno.EACCES);
        var e = Assert.Throws<VirtToolsException>(() => Disable(h, W.FreeNic));
        Assert.Equal("PermissionDenied", e.ErrorId);
        Assert.Equal("vfio-pci", h.Kernel.DriverOf(W.FreeNic));
        Assert.Equal("vfio-pci", h.Kernel.DriverOverrideOf(W.FreeNic));
    }

    [Fact]
    public void Disable_of_a_device_not_on_vfio_changes_nothing_but_clears_a_leftover_override()
    {
        using var h = new SimHost(vfioLoaded: true);
        var b = new VfioBinder(h.Kernel.Context, Fast());
        Assert.False(b.PlanDisable(PciAddress.Parse(W.FreeNic)).HasChanges);

        // Pain 12: unbound, override left at vfio-pci, so the host driver can never bind.
        h.Kernel.Write($"/sys/bus/pci/devices/{W.FreeNic}/driver_override", "vfio-pci");
        h.Kernel.Write($"/sys/bus/pci/devices/{W.FreeNic}/driver/unbind", W.FreeNic);
        Disable(h, W.FreeNic);
        Assert.Equal("(null)", h.Kernel.DriverOverrideOf(W.FreeNic));
        Assert.Equal("e1000e", h.Kernel.DriverOf(W.FreeNic));
    }

    [Fact]
    public void Disable_Persist_refuses_to_remove_a_file_naming_a_host_driver()
    {
        using var h = new SimHost(vfioLoaded: true);
        Enable(h, W.FreeNic);
        h.Kernel.WriteFileAtomic(DriverctlStore.PathOf(PciAddress.Parse(W.FreeNic)), "e1000e\n");
        var e = Assert.Throws<VirtToolsException>(() => Disable(h, W.FreeNic, o => o.Persist = true));
        Assert.Equal("PersistentOverrideConflict", e.ErrorId);
        Assert.Equal("vfio-pci", h.Kernel.DriverOf(W.FreeNic));
    }

    [Fact]
    public void Plans_touch_nothing()
    {
        using var h = new SimHost();
        var before = h.Snapshot();
        var b = new VfioBinder(h.Kernel.Context, Fast(o => { o.Persist = true; o.IncludeIommuGroup = true; }));
        var plan = b.PlanEnable(PciAddress.Parse(W.Gpu));
        Assert.Contains(plan.Steps, s => s.Kind == VfioStepKind.LoadModule);
        Assert.Contains("unbind 0000:01:00.0 from nouveau", plan.Describe());
        Assert.Contains("/etc/driverctl.d/pci-0000:01:00.1", plan.Describe());
        b.PlanDisable(PciAddress.Parse(W.Gpu));
        Assert.Equal(before, h.Snapshot());
        Assert.Empty(h.Kernel.Writes);
    }

    [Fact]
    public void The_group_lock_serializes_and_times_out()
    {
        using var h = new SimHost(vfioLoaded: true);
        using (h.Kernel.Lock("/run/virttools/iommu-group-4.lock", TimeSpan.FromSeconds(1)))
        {
            var e = Assert.Throws<VirtToolsException>(() => Enable(h, W.FreeNic));
            Assert.Equal("TargetLocked", e.ErrorId);
            Assert.Equal(FailureKind.ResourceBusy, e.Kind);
            Assert.Equal("e1000e", h.Kernel.DriverOf(W.FreeNic));
        }
        Enable(h, W.FreeNic);
        Assert.Equal("vfio-pci", h.Kernel.DriverOf(W.FreeNic));
    }

    [Fact]
    public void A_command_holds_the_group_lock_from_planning_and_its_applier_re_enters_it()
    {
        using var h = new SimHost(vfioLoaded: true);
        var a = PciAddress.Parse(W.FreeNic);
        var b = new VfioBinder(h.Kernel.Context, Fast(o => o.LockTimeout = TimeSpan.FromMilliseconds(300)));
        using (b.LockGroupOf(a))
        {
            // Another thread of this process (another runspace) is refused like another process.
            var other = OnAnotherThread(() => Assert.Throws<VirtToolsException>(() =>
                new VfioBinder(h.Kernel.Context, Fast(o => o.LockTimeout = TimeSpan.FromMilliseconds(300))).LockGroupOf(a)));
            Assert.Equal("TargetLocked", other.ErrorId);
            Assert.Contains($"pid {Environment.ProcessId} (", other.Message);
            // The holder's own plan and applier go through: the applier re-enters the held lock.
            b.Execute(b.PlanEnable(a));
            Assert.Equal("vfio-pci", h.Kernel.DriverOf(W.FreeNic));
            OnAnotherThread(() => Assert.Throws<VirtToolsException>(() => Disable(h, W.FreeNic, o => o.LockTimeout = TimeSpan.FromMilliseconds(300))));
        }
        // Released with the outer hold (the applier's inner release kept it): anyone takes it now.
        Disable(h, W.FreeNic);
        Assert.Equal("e1000e", h.Kernel.DriverOf(W.FreeNic));
        Assert.Null(b.LockGroupOf(PciAddress.Parse("0000:7f:00.0")));
    }

    [Fact]
    public void A_wait_for_the_group_lock_is_reported_at_once_then_each_second_with_the_holder_and_ends_once()
    {
        using var h = new SimHost(vfioLoaded: true);
        var a = PciAddress.Parse(W.FreeNic);
        var reports = new List<LockWait>();
        var b = new VfioBinder(h.Kernel.Context, Fast(o =>
        {
            o.LockTimeout = TimeSpan.FromSeconds(10);
            o.LockWaiting = reports.Add;
        }));
        var held = h.Kernel.Lock("/run/virttools/iommu-group-4.lock", TimeSpan.FromSeconds(1));
        var release = new Thread(() =>
        {
            Thread.Sleep(2300);
            held.Dispose();
        });
        release.Start();
        using (b.LockGroupOf(a)) { }
        release.Join();
        var waits = reports.Where(r => !r.Ended).ToList();
        Assert.InRange(waits.Count, 3, 4);
        Assert.True(waits[0].Waited < TimeSpan.FromSeconds(0.5), $"first report after {waits[0].Waited}");
        Assert.All(waits, w =>
        {
            Assert.Equal(W.FreeNic, w.Target);
            Assert.Equal("this IOMMU group", w.What);
            Assert.StartsWith($"pid {Environment.ProcessId} (", w.Holder);
            Assert.Equal(TimeSpan.FromSeconds(10), w.Timeout);
        });
        Assert.True(waits.Zip(waits.Skip(1)).All(p => p.Second.Waited - p.First.Waited >= TimeSpan.FromSeconds(1)));
        Assert.True(reports[^1].Ended);
        Assert.Single(reports, r => r.Ended);
        // Taken without waiting: nothing to report.
        reports.Clear();
        using (b.LockGroupOf(a)) { }
        Assert.Empty(reports);
    }

    [Fact]
    public void A_wait_that_times_out_ends_its_reports_before_the_refusal()
    {
        using var h = new SimHost(vfioLoaded: true);
        var reports = new List<LockWait>();
        var b = new VfioBinder(h.Kernel.Context, Fast(o =>
        {
            o.LockTimeout = TimeSpan.FromMilliseconds(300);
            o.LockWaiting = reports.Add;
        }));
        using (h.Kernel.Lock("/run/virttools/iommu-group-4.lock", TimeSpan.FromSeconds(1)))
            Assert.Equal("TargetLocked", Assert.Throws<VirtToolsException>(() => b.LockGroupOf(PciAddress.Parse(W.FreeNic))).ErrorId);
        Assert.False(reports[0].Ended);
        Assert.True(reports[^1].Ended);
        Assert.StartsWith($"pid {Environment.ProcessId} (", reports[^1].Holder);
    }

    // A thread of its own: a task waited on may run inline on the waiting thread, which holds the lock.
    private static T OnAnotherThread<T>(Func<T> body)
    {
        T result = default!;
        Exception? failure = null;
        var t = new Thread(() =>
        {
            try { result = body(); }
            catch (Exception e) { failure = e; }
        });
        t.Start();
        t.Join();
        if (failure is not null) throw failure;
        return result;
    }
}
