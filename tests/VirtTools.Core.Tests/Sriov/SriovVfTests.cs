using VirtTools.HostUsage;
using VirtTools.Pci;
using VirtTools.Sriov;
using VirtTools.Testing;
using W = VirtTools.Testing.SimulatedHosts.Workstation;

namespace VirtTools.Tests;

/// <summary>Real `ip -j -d link show` output: Linux 6.1 igb on QEMU 10's emulated 82576 (tests/fixtures/iproute2/igb-qemu10).</summary>
public class IpLinkJsonTests
{
    private static string Recorded(string name) => File.ReadAllText(Fixtures.PathOf($"iproute2/igb-qemu10/ip-j-d-link-show-eth4-{name}.json"));

    [Fact]
    public void Fresh_igb_vfs_have_no_mac_no_vlan_spoof_check_on_trust_off()
    {
        var link = IpLinkJson.Parse(Recorded("initial"));
        Assert.Equal("eth4", link.Interface);
        Assert.Equal(2, link.Vfs.Count);
        foreach (var (vf, i) in link.Vfs.Select((v, i) => (v, i)))
        {
            Assert.Equal(i, vf.Index);
            Assert.Equal("00:00:00:00:00:00", vf.MacAddress);
            Assert.Equal(0, vf.VlanId);
            Assert.Equal(0, vf.Qos);
            Assert.True(vf.SpoofCheck);
            Assert.False(vf.Trust);
            Assert.Equal("auto", vf.LinkState);
            Assert.Equal(0, vf.MinTxRate);
            Assert.Equal(0, vf.MaxTxRate);
        }
    }

    [Fact]
    public void Settings_made_on_igb_read_back()
    {
        var vf = IpLinkJson.Parse(Recorded("set")).Vfs[0];
        Assert.Equal("02:11:22:33:44:55", vf.MacAddress);
        Assert.Equal(100, vf.VlanId);
        Assert.Equal(3, vf.Qos);
        Assert.False(vf.SpoofCheck);
        Assert.True(vf.Trust);
        Assert.Equal(100, vf.MaxTxRate);
        Assert.Equal(0, vf.MinTxRate);
        var final = IpLinkJson.Parse(Recorded("final")).Vfs[1];
        Assert.Equal(50, final.MaxTxRate);
        Assert.True(final.Trust);
    }

    [Fact]
    public void All_seven_vfs_of_the_82576()
    {
        var link = IpLinkJson.Parse(Recorded("seven"));
        Assert.Equal(Enumerable.Range(0, 7), link.Vfs.Select(v => v.Index));
    }

    [Fact]
    public void Older_shapes_parse_vlan_and_rate_outside_the_lists()
    {
        // iproute2 before IFLA_VF_VLAN_LIST and IFLA_VF_RATE; a driver reporting no spoofchk/trust (-1).
        var link = IpLinkJson.Parse("""[{"ifname":"p1","vfinfo_list":[{"vf":3,"mac":"AA:BB:CC:00:11:22","vlan":12,"qos":2,"tx_rate":40}]}]""");
        var vf = Assert.Single(link.Vfs);
        Assert.Equal(3, vf.Index);
        Assert.Equal("aa:bb:cc:00:11:22", vf.MacAddress);
        Assert.Equal((12, 2, 40, 0), (vf.VlanId, vf.Qos, vf.MaxTxRate, vf.MinTxRate));
        Assert.Null(vf.SpoofCheck);
        Assert.Null(vf.Trust);
        Assert.Null(vf.LinkState);
    }

    [Fact]
    public void A_pf_without_vfs_and_text_that_is_not_json()
    {
        Assert.Empty(IpLinkJson.Parse("""[{"ifname":"eth0","mtu":1500}]""").Vfs);
        var e = Assert.Throws<VirtToolsException>(() => IpLinkJson.Parse("2: eth0: <BROADCAST> mtu 1500"));
        Assert.Equal("IpOutputUnreadable", e.ErrorId);
    }
}

public sealed class SriovVfHost : IDisposable
{
    private readonly SimHost _host = new(root => SimulatedHosts.CreateSriovWorkstation(root, vfioLoaded: true));

    public SriovVfHost(int vfs = 2)
    {
        Ip = new SimulatedIpLink(Kernel).AddPf(W.SriovNic, "enp8s0f0");
        if (vfs > 0) Kernel.Write($"/sys/bus/pci/devices/{W.SriovNic}/sriov_numvfs", vfs.ToString());
        Kernel.ClearLog();
    }

    public SimulatedKernel Kernel => _host.Kernel;
    public SimulatedIpLink Ip { get; }
    public PciAddress Pf => PciAddress.Parse(W.SriovNic);
    public SriovVfManager Manager => new(Kernel.Context);
    public SriovVfPlan Plan(int index, SriovVfSettings s, bool force = false, string? ssh = null) => Manager.Plan(Pf, index, s, force, ssh);
    public void Dispose() => _host.Dispose();
}

public class SriovVfManagerTests
{
    [Fact]
    public void Reads_each_vf_with_its_pci_address_and_driver()
    {
        using var h = new SriovVfHost();
        var vfs = h.Manager.Read(h.Pf);
        Assert.Equal(2, vfs.Count);
        Assert.All(vfs, v => Assert.Equal("enp8s0f0", v.PfInterface));
        Assert.Equal(h.Kernel.Tree.VfAddress(W.SriovNic, 1), vfs[1].Address);
        Assert.Equal("ixgbevf", vfs[1].Driver);
        Assert.Contains("ip -j -d link show dev enp8s0f0", h.Kernel.Processes.Calls);
        // A VF's address lists that VF only.
        var one = Assert.Single(h.Manager.Read(PciAddress.Parse(vfs[1].Address!)));
        Assert.Equal(1, one.Index);
    }

    [Fact]
    public void A_pf_without_netdev_and_a_function_without_sriov_are_clear_errors()
    {
        using var h = new SriovVfHost();
        var nvme = Assert.Throws<VirtToolsException>(() => h.Manager.Read(PciAddress.Parse(W.RootNvme)));
        Assert.Equal(SriovConfigurator.Ids.NotSupported, nvme.ErrorId);
        h.Kernel.Tree.Sriov(W.RootNvme, 4, 0, "a809");
        var e = Assert.Throws<VirtToolsException>(() => h.Manager.Read(PciAddress.Parse(W.RootNvme)));
        Assert.Equal(SriovVfManager.Ids.NotNetworkPf, e.ErrorId);
        Assert.Contains("storage controller", e.Message);
        Assert.Equal("DeviceNotFound", Assert.Throws<VirtToolsException>(() => h.Manager.Read(PciAddress.Parse("0000:7f:00.0"))).ErrorId);
    }

    [Fact]
    public void One_ip_call_per_setting_in_a_fixed_order_with_its_undo()
    {
        using var h = new SriovVfHost();
        var plan = h.Plan(0, new SriovVfSettings { MacAddress = "02-11-22-33-44-55", VlanId = 100, Qos = 3, SpoofCheck = false, Trust = true, MaxTxRate = 100, LinkState = "Disable" });
        Assert.Equal(new[]
        {
            "ip link set dev enp8s0f0 vf 0 mac 02:11:22:33:44:55",
            "ip link set dev enp8s0f0 vf 0 vlan 100 qos 3",
            "ip link set dev enp8s0f0 vf 0 min_tx_rate 0 max_tx_rate 100",
            "ip link set dev enp8s0f0 vf 0 spoofchk off",
            "ip link set dev enp8s0f0 vf 0 trust on",
            "ip link set dev enp8s0f0 vf 0 state disable",
        }, plan.Steps.Select(s => s.CommandLine));
        Assert.Equal(new[] { "mac", "00:00:00:00:00:00" }, plan.Steps[0].RestoreArguments!.Skip(6));
        Assert.Equal(new[] { "vlan", "0", "qos", "0" }, plan.Steps[1].RestoreArguments!.Skip(6));
        Assert.Equal(new[] { "state", "auto" }, plan.Steps[5].RestoreArguments!.Skip(6));
        Assert.Empty(h.Ip.Sets); // planning runs nothing
    }

    [Fact]
    public void A_vf_changed_after_planning_is_refused_before_any_call()
    {
        using var h = new SriovVfHost();
        var plan = h.Plan(0, new SriovVfSettings { MacAddress = "02:11:22:33:44:55", SpoofCheck = false });
        h.Manager.Execute(h.Plan(0, new SriovVfSettings { VlanId = 10 }));
        var sets = h.Ip.Sets.Count;
        var e = Assert.Throws<VirtToolsException>(() => h.Manager.Execute(plan));
        Assert.Equal(SriovVfManager.Ids.StateChanged, e.ErrorId);
        Assert.Contains("VLAN 10 (planned on 0)", e.Message);
        Assert.Equal(sets, h.Ip.Sets.Count);
    }

    [Fact]
    public void Set_waits_for_the_lock_set_sriov_vf_count_holds_and_changes_nothing_when_it_stays_held()
    {
        using var h = new SriovVfHost();
        var plan = h.Plan(0, new SriovVfSettings { MacAddress = "02:11:22:33:44:55" });
        using (h.Kernel.Lock(SriovConfigurator.LockPathOf(h.Pf), TimeSpan.FromSeconds(1)))
        {
            var manager = new SriovVfManager(h.Kernel.Context) { LockTimeout = TimeSpan.FromMilliseconds(200) };
            var e = Assert.Throws<VirtToolsException>(() => manager.Execute(plan));
            Assert.Equal(SriovConfigurator.Ids.Locked, e.ErrorId);
            Assert.Empty(h.Ip.Sets);
        }
        Assert.Equal("02:11:22:33:44:55", h.Manager.Execute(plan).MacAddress);
    }

    [Fact]
    public void A_setter_holds_the_pf_lock_from_planning_and_execute_re_enters_it()
    {
        using var h = new SriovVfHost();
        var manager = new SriovVfManager(h.Kernel.Context) { LockTimeout = TimeSpan.FromMilliseconds(200) };
        using (manager.LockPhysicalFunction(h.Pf))
        {
            // A second setter (another thread, as another runspace or process would be) waits, then is refused.
            VirtToolsException? other = null;
            var t = new Thread(() =>
            {
                try { new SriovVfManager(h.Kernel.Context) { LockTimeout = TimeSpan.FromMilliseconds(200) }.LockPhysicalFunction(h.Pf)?.Dispose(); }
                catch (VirtToolsException e) { other = e; }
            });
            t.Start();
            t.Join();
            Assert.Equal(SriovConfigurator.Ids.Locked, other?.ErrorId);
            var plan = manager.Plan(h.Pf, 0, new SriovVfSettings { MacAddress = "02:11:22:33:44:55" }, false, null);
            Assert.Equal("02:11:22:33:44:55", manager.Execute(plan).MacAddress);
        }
        Assert.Null(manager.LockPhysicalFunction(PciAddress.Parse("0000:7f:00.0")));
    }

    [Fact]
    public void Settings_already_in_place_run_nothing()
    {
        using var h = new SriovVfHost();
        var plan = h.Plan(1, new SriovVfSettings { SpoofCheck = true, Trust = false, LinkState = "auto", VlanId = 0 });
        Assert.False(plan.HasChanges);
        Assert.Equal(4, plan.Notes.Count);
    }

    [Fact]
    public void Qos_alone_keeps_the_vlan_and_a_new_vlan_keeps_the_qos()
    {
        using var h = new SriovVfHost();
        h.Manager.Execute(h.Plan(0, new SriovVfSettings { VlanId = 10, Qos = 5 }));
        Assert.Equal("ip link set dev enp8s0f0 vf 0 vlan 10 qos 2", h.Plan(0, new SriovVfSettings { Qos = 2 }).Steps[0].CommandLine);
        Assert.Equal("ip link set dev enp8s0f0 vf 0 vlan 20 qos 5", h.Plan(0, new SriovVfSettings { VlanId = 20 }).Steps[0].CommandLine);
        Assert.Equal("ip link set dev enp8s0f0 vf 0 vlan 0 qos 0", h.Plan(0, new SriovVfSettings { VlanId = 0 }).Steps[0].CommandLine);
    }

    [Theory]
    [InlineData("01:00:5e:00:00:01", SriovVfManager.Ids.MacMulticast)]
    [InlineData("ff:ff:ff:ff:ff:ff", SriovVfManager.Ids.MacMulticast)]
    [InlineData("00:00:00:00:00:00", SriovVfManager.Ids.MacZero)]
    [InlineData("02:00:00:00:00", SriovVfManager.Ids.MacMalformed)]
    [InlineData("02:00:00:00:00:zz", SriovVfManager.Ids.MacMalformed)]
    [InlineData("02:00:00:00:00:00:00", SriovVfManager.Ids.MacMalformed)]
    public void Bad_macs_are_refused_before_anything_runs(string mac, string id)
    {
        using var h = new SriovVfHost();
        var e = Assert.Throws<VirtToolsException>(() => h.Plan(0, new SriovVfSettings { MacAddress = mac }));
        Assert.Equal(id, e.ErrorId);
        Assert.Empty(h.Kernel.Processes.Calls);
    }

    [Fact]
    public void Ranges_qos_without_vlan_rates_and_indexes_are_checked_first()
    {
        using var h = new SriovVfHost();
        string Id(int index, SriovVfSettings s) => Assert.Throws<VirtToolsException>(() => h.Plan(index, s)).ErrorId;
        Assert.Equal(SriovVfManager.Ids.VlanOutOfRange, Id(0, new() { VlanId = 4096 }));
        Assert.Equal(SriovVfManager.Ids.VlanOutOfRange, Id(0, new() { VlanId = -1 }));
        Assert.Equal(SriovVfManager.Ids.QosOutOfRange, Id(0, new() { VlanId = 5, Qos = 8 }));
        Assert.Equal(SriovVfManager.Ids.QosWithoutVlan, Id(0, new() { Qos = 3 }));
        Assert.Equal(SriovVfManager.Ids.QosWithoutVlan, Id(0, new() { VlanId = 0, Qos = 1 }));
        Assert.Equal(SriovVfManager.Ids.MinAboveMax, Id(0, new() { MinTxRate = 200, MaxTxRate = 100 }));
        Assert.Equal(SriovVfManager.Ids.RateNegative, Id(0, new() { MaxTxRate = -1 }));
        Assert.Equal(SriovVfManager.Ids.LinkStateInvalid, Id(0, new() { LinkState = "up" }));
        Assert.Equal(SriovVfManager.Ids.NothingToSet, Id(0, new()));
        var e = Assert.Throws<VirtToolsException>(() => h.Plan(2, new() { Trust = true }));
        Assert.Equal(SriovVfManager.Ids.IndexOutOfRange, e.ErrorId);
        Assert.Contains("has 2 VFs, numbered 0 to 1", e.Message);
        Assert.Empty(h.Ip.Sets);
    }

    [Fact]
    public void Min_above_a_max_already_set_is_caught_against_the_current_value()
    {
        using var h = new SriovVfHost();
        h.Ip.RefuseMinRate = false;
        h.Manager.Execute(h.Plan(0, new SriovVfSettings { MaxTxRate = 100 }));
        var e = Assert.Throws<VirtToolsException>(() => h.Plan(0, new SriovVfSettings { MinTxRate = 150 }));
        Assert.Equal(SriovVfManager.Ids.MinAboveMax, e.ErrorId);
        Assert.Contains("max 100", e.Message);
    }

    [Fact]
    public void A_pf_without_vfs_says_to_create_them()
    {
        using var h = new SriovVfHost(vfs: 0);
        var e = Assert.Throws<VirtToolsException>(() => h.Plan(0, new SriovVfSettings { Trust = true }));
        Assert.Equal(SriovVfManager.Ids.NoVfs, e.ErrorId);
        Assert.Contains("Set-SriovVfCount", e.RecommendedAction);
    }

    [Fact]
    public void Execute_applies_and_rereads()
    {
        using var h = new SriovVfHost();
        var vf = h.Manager.Execute(h.Plan(1, new SriovVfSettings { MacAddress = "02:00:00:00:00:01", VlanId = 7, SpoofCheck = false }));
        Assert.Equal(("02:00:00:00:00:01", 7, false), (vf.MacAddress, vf.VlanId, vf.SpoofCheck));
        Assert.Equal(3, h.Ip.Sets.Count);
    }

    [Theory]
    [InlineData("Operation not supported", SriovVfManager.Ids.NotSupported, FailureKind.NotImplemented)]
    [InlineData("Invalid argument", SriovVfManager.Ids.Rejected, FailureKind.InvalidArgument)]
    [InlineData("Operation not permitted", SriovVfManager.Ids.PermissionDenied, FailureKind.PermissionDenied)]
    [InlineData("Device or resource busy", SriovVfManager.Ids.Busy, FailureKind.ResourceBusy)]
    [InlineData("No space left on device", SriovVfManager.Ids.NoSpace, FailureKind.LimitsExceeded)]
    [InlineData("Input/output error", SriovVfManager.Ids.Failed, FailureKind.InvalidOperation)]
    public void Kernel_answers_become_stable_ids(string answer, string id, FailureKind kind)
    {
        using var h = new SriovVfHost();
        h.Ip.FailNext["trust"] = answer;
        var e = Assert.Throws<VirtToolsException>(() => h.Manager.Execute(h.Plan(0, new SriovVfSettings { Trust = true })));
        Assert.Equal(id, e.ErrorId);
        Assert.Equal(kind, e.Kind);
        Assert.Contains(answer, e.Message);
        Assert.Contains("ip link set dev enp8s0f0 vf 0 trust on", e.Message);
    }

    [Fact]
    public void Link_state_and_min_rate_fail_as_igb_answered()
    {
        using var h = new SriovVfHost();
        var state = Assert.Throws<VirtToolsException>(() => h.Manager.Execute(h.Plan(0, new SriovVfSettings { LinkState = "enable" })));
        Assert.Equal(SriovVfManager.Ids.NotSupported, state.ErrorId);
        Assert.Contains("leave -LinkState out", state.RecommendedAction);
        var min = Assert.Throws<VirtToolsException>(() => h.Manager.Execute(h.Plan(0, new SriovVfSettings { MinTxRate = 10 })));
        Assert.Equal(SriovVfManager.Ids.Rejected, min.ErrorId);
        Assert.Contains("-MaxTxRate alone", min.RecommendedAction);
    }

    [Fact]
    public void A_half_way_failure_puts_back_what_was_set()
    {
        using var h = new SriovVfHost();
        h.Manager.Execute(h.Plan(0, new SriovVfSettings { MacAddress = "02:00:00:00:00:aa", VlanId = 5, Qos = 1 }));
        h.Ip.Sets.Clear();
        var e = Assert.Throws<VirtToolsException>(() => h.Manager.Execute(h.Plan(0,
            new SriovVfSettings { MacAddress = "02:00:00:00:00:bb", VlanId = 9, Trust = true, LinkState = "disable" })));
        Assert.Equal(SriovVfManager.Ids.NotSupported, e.ErrorId);
        Assert.Contains("were put back", e.Message);
        Assert.Equal(new[]
        {
            "link set dev enp8s0f0 vf 0 mac 02:00:00:00:00:bb",
            "link set dev enp8s0f0 vf 0 vlan 9 qos 1",
            "link set dev enp8s0f0 vf 0 trust on",
            "link set dev enp8s0f0 vf 0 state disable",
            "link set dev enp8s0f0 vf 0 trust off",
            "link set dev enp8s0f0 vf 0 vlan 5 qos 1",
            "link set dev enp8s0f0 vf 0 mac 02:00:00:00:00:aa",
        }, h.Ip.Sets);
        var vf = h.Ip.VfsOf("enp8s0f0")[0];
        Assert.Equal(("02:00:00:00:00:aa", 5, 1, false, "auto"), (vf.Mac, vf.Vlan, vf.Qos, vf.Trust, vf.LinkState));
    }

    [Fact]
    public void A_failing_undo_is_its_own_error()
    {
        using var h = new SriovVfHost();
        var plan = h.Plan(0, new SriovVfSettings { MacAddress = "02:00:00:00:00:bb", LinkState = "disable" });
        var calls = 0;
        // igb refuses the link state; then the MAC's undo is refused as well.
        var e = Assert.Throws<VirtToolsException>(() => h.Manager.Execute(plan, s => { if (++calls == 2) h.Ip.FailNext["mac"] = "Device or resource busy"; }));
        Assert.Equal(SriovVfManager.Ids.RestoreFailed, e.ErrorId);
        Assert.Contains("Device or resource busy", e.Message);
    }

    [Fact]
    public void Mac_vlan_and_link_state_of_a_vf_the_host_uses_need_force_rates_do_not()
    {
        using var h = new SriovVfHost();
        h.Ip.AddVfInterface(W.SriovNic, 1, "enp8s0f0v1", "203.0.113.5/24");
        var e = Assert.Throws<VirtToolsException>(() => h.Plan(1, new SriovVfSettings { MacAddress = "02:00:00:00:00:01" }));
        Assert.Equal(HostUsageGuard.Ids.IpAddress, e.ErrorId);
        Assert.Equal(FailureKind.ResourceBusy, e.Kind);
        Assert.Contains("enp8s0f0v1", e.Message);
        Assert.Equal(HostUsageGuard.Ids.IpAddress, Assert.Throws<VirtToolsException>(() => h.Plan(1, new SriovVfSettings { LinkState = "disable" })).ErrorId);
        Assert.True(h.Plan(1, new SriovVfSettings { MaxTxRate = 10, Trust = true }).HasChanges);
        var forced = h.Plan(1, new SriovVfSettings { VlanId = 4 }, force: true);
        Assert.Single(forced.Warnings);
        // VF 0 has no interface of the host: no question.
        Assert.True(h.Plan(0, new SriovVfSettings { MacAddress = "02:00:00:00:00:01" }).HasChanges);
    }

    [Fact]
    public void No_ip_on_the_host_and_a_captured_root()
    {
        using var h = new SriovVfHost();
        var host = new VirtTools.Host.HostContext(h.Kernel, h.Kernel.Modules, new SimulatedProcessRunner());
        Assert.Equal(SriovVfManager.Ids.IpMissing, Assert.Throws<VirtToolsException>(() => new SriovVfManager(host).Read(h.Pf)).ErrorId);
        var captured = new VirtTools.Host.HostContext(h.Kernel, h.Kernel.Modules, new VirtTools.Host.SystemProcessRunner());
        Assert.Equal(SriovVfManager.Ids.CapturedRoot, Assert.Throws<VirtToolsException>(() => new SriovVfManager(captured).Read(h.Pf)).ErrorId);
    }
}
