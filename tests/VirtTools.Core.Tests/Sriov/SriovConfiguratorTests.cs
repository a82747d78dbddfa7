using VirtTools.Host;
using VirtTools.HostUsage;
using VirtTools.Pci;
using VirtTools.Sriov;
using VirtTools.Testing;
using W = VirtTools.Testing.SimulatedHosts.Workstation;

namespace VirtTools.Tests;

/// <summary>The workstation with an SR-IOV NIC (<see cref="SimHost"/> over <see cref="SimulatedHosts.CreateSriovWorkstation"/>).</summary>
public sealed class SriovHost : IDisposable
{
    private readonly SimHost _host = new(root => SimulatedHosts.CreateSriovWorkstation(root, vfioLoaded: true));

    public string Root => _host.Root;
    public SimulatedKernel Kernel => _host.Kernel;
    public SortedDictionary<string, string> Snapshot() => _host.Snapshot();
    public string Pf => W.SriovNic;
    public string PfDir => $"/sys/bus/pci/devices/{W.SriovNic}";
    public int NumVfs => int.Parse(Kernel.ReadAllText(PfDir + "/sriov_numvfs").Trim());
    public string[] Vfs => Kernel.List(PfDir).Where(n => n.StartsWith("virtfn")).Order().Select(n => HostPath.LinkName(Kernel, $"{PfDir}/{n}")!).ToArray();

    /// <summary>Sets the count with the raw kernel write, as a test's starting state.</summary>
    public void Raw(int n)
    {
        Kernel.Write(PfDir + "/sriov_numvfs", n.ToString());
        Kernel.ClearLog();
    }

    public void Dispose() => _host.Dispose();
}

public class SriovConfiguratorTests
{
    private static SriovOptions Fast(Action<SriovOptions>? more = null)
    {
        var o = new SriovOptions { PollInterval = TimeSpan.Zero, VfWaitTimeout = TimeSpan.FromSeconds(2), Sleep = _ => { }, LockTimeout = TimeSpan.FromMilliseconds(200) };
        more?.Invoke(o);
        return o;
    }

    private static SriovConfigurator Cfg(SriovHost h, Action<SriovOptions>? more = null) => new(h.Kernel.Context, Fast(more));

    private static SriovResult Set(SriovHost h, int count, Action<SriovOptions>? more = null)
    {
        var c = Cfg(h, more);
        return c.Execute(c.PlanSetCount(PciAddress.Parse(h.Pf), count));
    }

    private static string[] Log(SimulatedKernel k) => k.Writes.Select(w => w.ToString()).ToArray();

    [Fact]
    public void Zero_to_four_writes_once_and_waits_for_every_virtfn_link()
    {
        using var h = new SriovHost();
        var r = Set(h, 4);
        Assert.Equal(new[] { $"{h.PfDir}/sriov_numvfs <- 4" }, Log(h.Kernel));
        Assert.Equal(4, h.NumVfs);
        Assert.Equal(4, r.FinalCount);
        Assert.Equal(4, h.Vfs.Length);
        Assert.All(h.Vfs, vf => Assert.Equal("ixgbevf", h.Kernel.DriverOf(vf)));
        Assert.Equal(4, r.Plan.Steps.Count(s => s.Kind == SriovStepKind.WaitForVfs) * 4);
        Assert.False(r.Plan.DestroysVfs);
    }

    [Fact]
    public void The_same_count_changes_nothing_and_says_so()
    {
        using var h = new SriovHost();
        h.Raw(2);
        var c = Cfg(h);
        var plan = c.PlanSetCount(PciAddress.Parse(h.Pf), 2);
        Assert.False(plan.HasChanges);
        Assert.Contains(plan.Notes, n => n.Contains("already has 2 VFs"));
        c.Execute(plan);
        Assert.Empty(h.Kernel.Writes);
    }

    [Fact]
    public void Non_zero_to_non_zero_goes_through_zero_in_one_plan()
    {
        using var h = new SriovHost();
        h.Raw(2);
        var c = Cfg(h);
        var plan = c.PlanSetCount(PciAddress.Parse(h.Pf), 4);
        Assert.Equal(new[] { SriovStepKind.WriteNumVfs, SriovStepKind.WriteNumVfs, SriovStepKind.WaitForVfs }, plan.Steps.Select(s => s.Kind));
        Assert.Contains("removes all 2 VFs", plan.Steps[0].Description);
        Assert.Contains(plan.Notes, n => n.Contains("EBUSY"));
        Assert.True(plan.DestroysVfs);
        c.Execute(plan);
        Assert.Equal(new[] { $"{h.PfDir}/sriov_numvfs <- 0", $"{h.PfDir}/sriov_numvfs <- 4" }, Log(h.Kernel));
        Assert.Equal(4, h.NumVfs);
    }

    [Fact]
    public void Zero_removes_every_vf()
    {
        using var h = new SriovHost();
        h.Raw(3);
        var vfs = h.Vfs;
        Set(h, 0);
        Assert.Equal(0, h.NumVfs);
        Assert.Empty(h.Vfs);
        Assert.All(vfs, vf => Assert.False(h.Kernel.Exists("/sys/bus/pci/devices/" + vf)));
    }

    [Fact]
    public void A_count_above_total_is_refused_before_any_write_naming_total_vfs()
    {
        using var h = new SriovHost();
        var e = Assert.Throws<VirtToolsException>(() => Cfg(h).PlanSetCount(PciAddress.Parse(h.Pf), 9));
        Assert.Equal("SriovCountAboveTotal", e.ErrorId);
        Assert.Equal(FailureKind.LimitsExceeded, e.Kind);
        Assert.Contains("TotalVFs 8", e.Message);
        Assert.Empty(h.Kernel.Writes);
    }

    [Fact]
    public void A_device_without_sriov_and_a_vf_are_refused_naming_total_vfs()
    {
        using var h = new SriovHost();
        var e = Assert.Throws<VirtToolsException>(() => Cfg(h).PlanSetCount(PciAddress.Parse(W.FreeNic), 2));
        Assert.Equal("SriovNotSupported", e.ErrorId);
        Assert.Contains("TotalVFs is 0", e.Message);
        h.Raw(1);
        var vf = h.Vfs[0];
        var v = Assert.Throws<VirtToolsException>(() => Cfg(h).PlanSetCount(PciAddress.Parse(vf), 2));
        Assert.Equal("DeviceIsVirtualFunction", v.ErrorId);
        Assert.Contains(h.Pf, v.Message);
        Assert.Contains("TotalVFs 8", v.Message);
        Assert.Empty(h.Kernel.Writes);
    }

    [Fact]
    public void AutoProbe_false_is_written_first_and_the_vfs_stay_unbound()
    {
        using var h = new SriovHost();
        Set(h, 2, o => o.AutoProbe = false);
        Assert.Equal(new[] { $"{h.PfDir}/sriov_drivers_autoprobe <- 0", $"{h.PfDir}/sriov_numvfs <- 2" }, Log(h.Kernel));
        Assert.All(h.Vfs, vf => Assert.Null(h.Kernel.DriverOf(vf)));
    }

    [Fact]
    public void Without_AutoProbe_the_file_is_left_alone()
    {
        using var h = new SriovHost();
        Set(h, 1);
        Assert.Empty(h.Kernel.WritesTo("sriov_drivers_autoprobe"));
    }

    public static TheoryData<Errno, string, FailureKind, string> EnableErrnos => new()
    {
        { Errno.ENOENT, "SriovDriverNotConfigurable", FailureKind.NotImplemented, "max_vfs" },
        { Errno.EPERM, "SriovVfsAssigned", FailureKind.ResourceBusy, "not a permission problem" },
        { Errno.ENOMEM, "SriovResourcesExhausted", FailureKind.ResourceUnavailable, "pci=realloc" },
        { Errno.ENOSPC, "SriovInterruptsExhausted", FailureKind.LimitsExceeded, "MSI-X" },
        { Errno.EBUSY, "SriovVfsAlreadyEnabled", FailureKind.ResourceBusy, "SRIOV_EN" },
        { Errno.ERANGE, "SriovCountAboveTotal", FailureKind.LimitsExceeded, "0 to 8" },
        { Errno.EINVAL, "SriovInvalidValue", FailureKind.InvalidArgument, "dmesg" },
        { Errno.EACCES, "PermissionDenied", FailureKind.PermissionDenied, "root" },
        { Errno.EIO, "SriovWriteFailed", FailureKind.WriteError, "dmesg" },
    };

    [Theory]
    [MemberData(nameof(EnableErrnos))]
    public void Every_errno_of_the_enable_write_has_an_id_and_leaves_the_previous_count(Errno errno, string id, FailureKind kind, string advice)
    {
        using var h = new SriovHost();
        h.Raw(2);
        // The 0 goes through; the new count is refused: the rollback brings the 2 VFs back.
        h.Kernel.Fail("*/sriov_numvfs", errno, after: 1);
        var e = Assert.Throws<VirtToolsException>(() => Set(h, 4));
        Assert.Equal(id, e.ErrorId);
        Assert.Equal(kind, e.Kind);
        Assert.Equal(h.Pf, e.Target);
        Assert.Contains(advice, e.Message + " " + e.RecommendedAction);
        Assert.Contains("has 2 VFs again (as before)", e.Message);
        Assert.Equal(2, h.NumVfs);
        Assert.Equal(2, h.Vfs.Length);
    }

    [Theory]
    [MemberData(nameof(EnableErrnos))]
    public void Every_errno_of_a_first_enable_leaves_zero_vfs(Errno errno, string id, FailureKind kind, string advice)
    {
        using var h = new SriovHost();
        h.Kernel.Fail("*/sriov_numvfs", errno);
        var e = Assert.Throws<VirtToolsException>(() => Set(h, 3));
        Assert.Equal(id, e.ErrorId);
        Assert.Equal(kind, e.Kind);
        Assert.Contains(advice, e.Message + " " + e.RecommendedAction);
        Assert.Equal(0, h.NumVfs);
        Assert.Single(h.Kernel.Writes);
    }

    [Fact]
    public void An_unbound_pf_is_refused_before_writing()
    {
        using var h = new SriovHost();
        h.Kernel.Write($"{h.PfDir}/driver/unbind", h.Pf);
        h.Kernel.ClearLog();
        var e = Assert.Throws<VirtToolsException>(() => Cfg(h).PlanSetCount(PciAddress.Parse(h.Pf), 2));
        Assert.Equal("SriovPfNotBound", e.ErrorId);
        Assert.Equal(FailureKind.NotEnabled, e.Kind);
        Assert.Empty(h.Kernel.Writes);
    }

    [Fact]
    public void A_driver_without_sriov_configure_gets_ENOENT_from_the_kernel_and_the_message_names_it()
    {
        using var h = new SriovHost();
        h.Kernel.NoSriovConfigure("ixgbe");
        var e = Assert.Throws<VirtToolsException>(() => Set(h, 2));
        Assert.Equal("SriovDriverNotConfigurable", e.ErrorId);
        Assert.Contains("ixgbe", e.Message);
        Assert.Contains("max_vfs", e.RecommendedAction);
        Assert.Contains("still has 0 VFs (as before)", e.Message);
    }

    [Fact]
    public void Fewer_vfs_than_asked_is_an_error_that_says_how_many_and_rolls_back()
    {
        using var h = new SriovHost();
        h.Kernel.LimitVfs(h.Pf, 2);
        var e = Assert.Throws<VirtToolsException>(() => Set(h, 4));
        Assert.Equal("SriovFewerVfsEnabled", e.ErrorId);
        Assert.Contains("only 2 of the 4", e.Message);
        Assert.Contains("at most 2", e.RecommendedAction);
        Assert.Contains("has 0 VFs again (as before)", e.Message);
        Assert.Equal(0, h.NumVfs);
        Assert.Empty(h.Vfs);
        Assert.Equal(new[] { $"{h.PfDir}/sriov_numvfs <- 4", $"{h.PfDir}/sriov_numvfs <- 0" }, Log(h.Kernel));
    }

    [Fact]
    public void Fewer_vfs_when_changing_from_two_restores_the_two()
    {
        using var h = new SriovHost();
        h.Raw(2);
        h.Kernel.LimitVfs(h.Pf, 3);
        var e = Assert.Throws<VirtToolsException>(() => Set(h, 4));
        Assert.Equal("SriovFewerVfsEnabled", e.ErrorId);
        Assert.Equal(2, h.NumVfs);
        Assert.Equal(new[] { "0", "4", "0", "2" }, h.Kernel.WritesTo("sriov_numvfs").Select(w => w.Value));
    }

    [Fact]
    public void Links_that_come_late_are_waited_for_with_progress()
    {
        using var h = new SriovHost();
        h.Kernel.VfLinkDelayReads = 3;
        var seen = new List<int>();
        Set(h, 2, o => o.Progress = (present, wanted, _) => seen.Add(present));
        Assert.Equal(2, h.Vfs.Length);
        Assert.Equal(2, seen[^1]);
        Assert.True(seen.Count >= 3);
    }

    [Fact]
    public void Links_that_never_come_time_out_and_roll_back()
    {
        using var h = new SriovHost();
        h.Kernel.VfLinkDelayReads = -1;
        var e = Assert.Throws<VirtToolsException>(() => Set(h, 2, o => o.VfWaitTimeout = TimeSpan.Zero));
        Assert.Equal("SriovVfsNotCreated", e.ErrorId);
        Assert.Equal(FailureKind.OperationTimeout, e.Kind);
        Assert.Contains("only 0 of its 2", e.Message);
        Assert.Equal(0, h.NumVfs);
    }

    [Fact]
    public void A_failed_rollback_says_so_and_how_to_repair()
    {
        using var h = new SriovHost();
        h.Raw(2);
        h.Kernel.Fail("*/sriov_numvfs", Errno.ENOMEM, times: 0, after: 1);
        var e = Assert.Throws<VirtToolsException>(() => Set(h, 4));
        Assert.Equal("SriovResourcesExhausted", e.ErrorId);
        Assert.Contains("ROLLBACK INCOMPLETE", e.Message);
        Assert.Contains($"echo 2 > {h.PfDir}/sriov_numvfs", e.Message);
    }

    [Fact]
    public void AutoProbe_is_restored_when_the_enable_fails()
    {
        using var h = new SriovHost();
        h.Kernel.Fail("*/sriov_numvfs", Errno.ENOSPC);
        Assert.Throws<VirtToolsException>(() => Set(h, 2, o => o.AutoProbe = false));
        Assert.Equal("1", h.Kernel.ReadAllText(h.PfDir + "/sriov_drivers_autoprobe").Trim());
    }

    [Fact]
    public void Planning_writes_nothing()
    {
        using var h = new SriovHost();
        h.Raw(2);
        var before = h.Snapshot();
        var plan = Cfg(h, o => { o.AutoProbe = false; o.Persist = true; }).PlanSetCount(PciAddress.Parse(h.Pf), 4);
        Assert.Equal(new[] { SriovStepKind.WriteAutoProbe, SriovStepKind.WriteNumVfs, SriovStepKind.WriteNumVfs, SriovStepKind.WaitForVfs, SriovStepKind.WritePersistentRule },
            plan.Steps.Select(s => s.Kind));
        Assert.Empty(h.Kernel.Writes);
        Assert.Equal(before, h.Snapshot());
    }

    // ------------------------------------------------------------ VFs in use

    private static string BindVfio(SriovHost h, int index)
    {
        var vf = h.Vfs[index];
        var dir = $"/sys/bus/pci/devices/{vf}";
        h.Kernel.Write(dir + "/driver_override", "vfio-pci");
        if (h.Kernel.DriverOf(vf) is not null) h.Kernel.Write(dir + "/driver/unbind", vf);
        h.Kernel.Write("/sys/bus/pci/drivers_probe", vf);
        Assert.Equal("vfio-pci", h.Kernel.DriverOf(vf));
        h.Kernel.ClearLog();
        return vf;
    }

    [Fact]
    public void A_vf_held_open_through_vfio_is_refused_even_with_Force_naming_vf_group_and_process()
    {
        using var h = new SriovHost();
        h.Raw(2);
        var vf = BindVfio(h, 1);
        var group = PciFunctionGroup(h, vf);
        h.Kernel.HoldOpen(4242, "qemu-system-x86", $"/dev/vfio/{group}");
        h.Kernel.HoldOpen(4242, "qemu-system-x86", "/dev/vfio/vfio", fd: 19);
        foreach (var force in new[] { false, true })
        {
            var e = Assert.Throws<VirtToolsException>(() => Cfg(h, o => o.Force = force).PlanSetCount(PciAddress.Parse(h.Pf), 0));
            Assert.Equal("SriovVfHeldOpen", e.ErrorId);
            Assert.Equal(FailureKind.ResourceBusy, e.Kind);
            Assert.Equal(vf, e.Target);
            Assert.Contains(vf, e.Message);
            Assert.Contains($"IOMMU group {group}", e.Message);
            Assert.Contains("PID 4242 (qemu-system-x86)", e.Message);
            Assert.Contains("-Force does not override", e.Message);
        }
        Assert.Empty(h.Kernel.Writes);
        Assert.Equal(2, h.NumVfs);
    }

    private static int PciFunctionGroup(SriovHost h, string vf) => int.Parse(HostPath.LinkName(h.Kernel, $"/sys/bus/pci/devices/{vf}/iommu_group")!);

    [Fact]
    public void An_iommufd_cdev_held_open_is_seen_too()
    {
        using var h = new SriovHost();
        h.Raw(1);
        var vf = BindVfio(h, 0);
        h.Kernel.Tree.EnsureDir($"/sys/bus/pci/devices/{vf}/vfio-dev/vfio3");
        h.Kernel.Tree.File("/dev/vfio/devices/vfio3", "");
        h.Kernel.HoldOpen(777, "qemu-kvm", "/dev/vfio/devices/vfio3");
        var e = Assert.Throws<VirtToolsException>(() => Cfg(h, o => o.Force = true).PlanSetCount(PciAddress.Parse(h.Pf), 0));
        Assert.Equal("SriovVfHeldOpen", e.ErrorId);
        Assert.Contains("/dev/vfio/devices/vfio3 by PID 777 (qemu-kvm)", e.Message);
    }

    [Fact]
    public void An_idle_passthrough_vf_needs_Force()
    {
        using var h = new SriovHost();
        h.Raw(2);
        var vf = BindVfio(h, 0);
        var e = Assert.Throws<VirtToolsException>(() => Cfg(h).PlanSetCount(PciAddress.Parse(h.Pf), 0));
        Assert.Equal("SriovVfBoundToPassthrough", e.ErrorId);
        Assert.Contains(vf, e.Message);
        Assert.Contains("Nothing was changed", e.Message);
        Assert.Empty(h.Kernel.Writes);

        var r = Set(h, 0, o => o.Force = true);
        Assert.Contains(r.Plan.Warnings, w => w.Contains("SriovVfBoundToPassthrough"));
        Assert.Equal(0, h.NumVfs);
        Assert.False(h.Kernel.Exists($"/dev/vfio/{100}"));
    }

    [Fact]
    public void A_vf_carrying_the_default_route_or_an_address_needs_Force()
    {
        using var h = new SriovHost();
        h.Raw(2);
        var vf0 = h.Vfs[0];
        var vf1 = h.Vfs[1];
        SimulatedHosts.Net(h.Kernel.Tree, "enp8s0f0v0", h.Kernel.Tree.DeviceDir(vf0));
        SimulatedHosts.Net(h.Kernel.Tree, "enp8s0f0v1", h.Kernel.Tree.DeviceDir(vf1));
        h.Kernel.Tree.Proc("net/route",
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
            "enp8s0f0v0\t00000000\t0164A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n");
        h.Kernel.Processes.Script("ip -o addr show", W.IpAddrOutput +
            "9: enp8s0f0v1    inet 10.9.9.9/24 brd 10.9.9.255 scope global enp8s0f0v1\\       valid_lft forever preferred_lft forever\n");
        var e = Assert.Throws<VirtToolsException>(() => Cfg(h).PlanSetCount(PciAddress.Parse(h.Pf), 1));
        Assert.Equal(HostUsageGuard.Ids.DefaultRoute, e.ErrorId);
        Assert.Contains("enp8s0f0v0", e.Message);
        Assert.Contains("10.9.9.9", e.Message);
        Assert.Empty(h.Kernel.Writes);
        var plan = Cfg(h, o => o.Force = true).PlanSetCount(PciAddress.Parse(h.Pf), 1);
        Assert.Contains(plan.Overridden, r => r.ErrorId == HostUsageGuard.Ids.IpAddress && r.Address == vf1);
    }

    [Fact]
    public void A_vf_named_in_a_libvirt_guest_needs_Force()
    {
        using var h = new SriovHost();
        h.Raw(2);
        var vf = PciAddress.Parse(h.Vfs[1]);
        h.Kernel.Tree.File("/etc/libvirt/qemu/web1.xml", $"""
            <domain type='kvm'>
              <name>web1</name>
              <devices>
                <interface type='hostdev' managed='yes'>
                  <source><address type='pci' domain='0x{vf.Domain:x4}' bus='0x{vf.Bus:x2}' slot='0x{vf.Slot:x2}' function='0x{vf.Function:x}'/></source>
                </interface>
              </devices>
            </domain>
            """);
        h.Kernel.Tree.File("/etc/libvirt/qemu/broken.xml", "<domain><name>x</name");
        var e = Assert.Throws<VirtToolsException>(() => Cfg(h).PlanSetCount(PciAddress.Parse(h.Pf), 0));
        Assert.Equal("SriovVfInGuestDefinition", e.ErrorId);
        Assert.Contains("'web1'", e.Message);
        Assert.Contains(vf.ToString(), e.Message);
        var plan = Cfg(h, o => o.Force = true).PlanSetCount(PciAddress.Parse(h.Pf), 0);
        Assert.Contains(plan.Notes, n => n.Contains("broken.xml"));
    }

    [Fact]
    public void Decimal_hostdev_addresses_match_too()
    {
        using var h = new SriovHost();
        h.Raw(1);
        var vf = PciAddress.Parse(h.Vfs[0]);
        h.Kernel.Tree.File("/etc/libvirt/qemu/db.xml",
            $"<domain><name>db</name><devices><hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0' bus='{vf.Bus}' slot='{vf.Slot}' function='{vf.Function}'/></source></hostdev></devices></domain>");
        var e = Assert.Throws<VirtToolsException>(() => Cfg(h).PlanSetCount(PciAddress.Parse(h.Pf), 0));
        Assert.Equal("SriovVfInGuestDefinition", e.ErrorId);
    }

    [Fact]
    public void Unused_vfs_need_no_Force()
    {
        using var h = new SriovHost();
        h.Raw(3);
        var plan = Cfg(h).PlanSetCount(PciAddress.Parse(h.Pf), 0);
        Assert.Equal(3, plan.Destroyed.Count);
        Assert.All(plan.Destroyed, d => Assert.Empty(d.Reasons));
    }
}

public class SriovRulesTests
{
    private const string Admin =
        "# my own note\n" +
        "ACTION==\"add\", SUBSYSTEM==\"net\", KERNEL==\"eth*\", ATTR{mtu}=\"9000\"\n";

    [Fact]
    public void Edit_adds_replaces_and_removes_only_the_pfs_line()
    {
        var pf = PciAddress.Parse("0000:08:00.0");
        var other = PciAddress.Parse("0000:09:00.0");
        var t1 = SriovRules.Edit(Admin, pf, 4, null)!;
        Assert.StartsWith(Admin, t1);
        Assert.EndsWith("ACTION==\"bind\", SUBSYSTEM==\"pci\", KERNEL==\"0000:08:00.0\", ATTR{sriov_numvfs}=\"4\"\n", t1);
        var t2 = SriovRules.Edit(t1, other, 2, false)!;
        var t3 = SriovRules.Edit(t2, pf, 6, null)!;
        Assert.Contains("KERNEL==\"0000:08:00.0\", ATTR{sriov_numvfs}=\"6\"", t3);
        Assert.DoesNotContain("\"4\"", t3);
        Assert.Contains("KERNEL==\"0000:09:00.0\", ATTR{sriov_drivers_autoprobe}=\"0\", ATTR{sriov_numvfs}=\"2\"", t3);
        // The PF's line stays where it was.
        Assert.True(t3.IndexOf("0000:08:00.0", StringComparison.Ordinal) < t3.IndexOf("0000:09:00.0", StringComparison.Ordinal));
        var t4 = SriovRules.Edit(t3, pf, null, null)!;
        Assert.DoesNotContain("0000:08:00.0", t4);
        Assert.StartsWith(Admin, t4);
        var t5 = SriovRules.Edit(t4, other, null, null)!;
        Assert.Equal(Admin, t5);
    }

    [Fact]
    public void A_file_with_only_the_header_left_is_removed()
    {
        var pf = PciAddress.Parse("0000:08:00.0");
        var t = SriovRules.Edit(null, pf, 4, null)!;
        Assert.StartsWith("# Persistent SR-IOV VF counts, written by VirtTools", t);
        Assert.Null(SriovRules.Edit(t, pf, null, null));
    }

    [Fact]
    public void Parse_reads_the_lines_it_writes_and_nothing_else()
    {
        var pf = PciAddress.Parse("0000:08:00.0");
        Assert.Equal(new SriovRules.Rule(pf, 7, true), SriovRules.Parse(SriovRules.Line(pf, 7, true)));
        Assert.Null(SriovRules.Parse("ACTION==\"add\", SUBSYSTEM==\"pci\", KERNEL==\"0000:08:00.0\", ATTR{sriov_numvfs}=\"4\""));
        Assert.Null(SriovRules.Parse("# ACTION==\"bind\", SUBSYSTEM==\"pci\", KERNEL==\"0000:08:00.0\", ATTR{sriov_numvfs}=\"4\""));
    }

    private static SriovConfigurator Persisting(SriovHost h, bool? autoProbe = null) =>
        new(h.Kernel.Context, new SriovOptions { Persist = true, AutoProbe = autoProbe, PollInterval = TimeSpan.Zero, Sleep = _ => { } });

    private static SriovResult Set(SriovHost h, int count, bool? autoProbe = null)
    {
        var c = Persisting(h, autoProbe);
        return c.Execute(c.PlanSetCount(PciAddress.Parse(h.Pf), count));
    }

    [Fact]
    public void Persist_writes_next_to_an_admins_lines_and_Get_PciDevice_reads_it()
    {
        using var h = new SriovHost();
        h.Kernel.Tree.File(SriovRules.FilePath, Admin);
        h.Kernel.Tree.File("/etc/udev/rules.d/80-admin.rules", Admin);
        Set(h, 4, autoProbe: false);
        var text = h.Kernel.ReadAllText(SriovRules.FilePath);
        Assert.StartsWith(Admin, text);
        Assert.Contains($"KERNEL==\"{h.Pf}\", ATTR{{sriov_drivers_autoprobe}}=\"0\", ATTR{{sriov_numvfs}}=\"4\"", text);
        Assert.Equal(Admin, h.Kernel.ReadAllText("/etc/udev/rules.d/80-admin.rules"));
        var reader = new PciDeviceReader(h.Kernel);
        Assert.Equal(4, reader.Read(PciAddress.Parse(h.Pf)).PersistentSriovNumVfs);
        Assert.Null(reader.Read(PciAddress.Parse(W.FreeNic)).PersistentSriovNumVfs);

        Set(h, 0);
        Assert.Equal(Admin, h.Kernel.ReadAllText(SriovRules.FilePath));
        Assert.Null(new PciDeviceReader(h.Kernel).Read(PciAddress.Parse(h.Pf)).PersistentSriovNumVfs);
    }

    [Fact]
    public void Persist_of_the_current_count_writes_only_the_file()
    {
        using var h = new SriovHost();
        h.Raw(2);
        var r = Set(h, 2);
        Assert.Empty(h.Kernel.WritesTo("sriov_numvfs"));
        Assert.Contains("ATTR{sriov_numvfs}=\"2\"", h.Kernel.ReadAllText(SriovRules.FilePath));
        Assert.Equal(2, r.FinalCount);
    }

    [Fact]
    public void Another_rules_file_for_the_same_pf_is_warned_about_and_left_alone()
    {
        using var h = new SriovHost();
        var own = $"ACTION==\"add\", KERNEL==\"{h.Pf}\", ATTR{{sriov_numvfs}}=\"8\"\n";
        h.Kernel.Tree.File("/etc/udev/rules.d/60-sriov.rules", own);
        var r = Set(h, 2);
        Assert.Contains(r.Plan.Warnings, w => w.Contains("/etc/udev/rules.d/60-sriov.rules line 1"));
        Assert.Equal(own, h.Kernel.ReadAllText("/etc/udev/rules.d/60-sriov.rules"));
    }

    [Fact]
    public void A_failed_change_restores_the_rules_file()
    {
        using var h = new SriovHost();
        h.Kernel.Tree.File(SriovRules.FilePath, Admin);
        h.Kernel.LimitVfs(h.Pf, 1);
        var c = Persisting(h);
        var plan = c.PlanSetCount(PciAddress.Parse(h.Pf), 3);
        // The file step moved first: the rollback must restore it whatever the order.
        var rule = plan.Steps.Single(s => s.Kind == SriovStepKind.WritePersistentRule);
        plan.Steps.Remove(rule);
        plan.Steps.Insert(0, rule);
        Assert.Throws<VirtToolsException>(() => c.Execute(plan));
        Assert.Equal(Admin, h.Kernel.ReadAllText(SriovRules.FilePath));
        Assert.Equal(0, h.NumVfs);
    }
}

public class SriovVfReadingTests
{
    [Fact]
    public void A_vf_whose_config_reads_ffff_as_the_spec_says_is_read_from_sysfs_without_a_problem()
    {
        using var h = new SriovHost();
        h.Raw(1);
        var vf = h.Vfs[0];
        var config = h.Kernel.Tree.DeviceDir(vf) + "/config";
        var bytes = File.ReadAllBytes(h.Kernel.Tree.OnDisk(config));
        bytes[0] = bytes[1] = bytes[2] = bytes[3] = 0xff;
        h.Kernel.Tree.Bytes(config, bytes);
        var d = new PciDeviceReader(h.Kernel).Read(PciAddress.Parse(vf));
        Assert.Equal("8086", d.VendorId);
        Assert.Equal("10ed", d.DeviceId);
        Assert.Empty(d.Problems);
        Assert.Equal(h.Pf, d.PhysicalFunction);
    }
}
