using System.Xml.Linq;
using VirtTools.Host;
using VirtTools.Libvirt;
using VirtTools.Networking;
using VirtTools.Tests.Guests;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Networking;

/// <summary>
/// New-/Remove-/Start-/Stop-VMNetwork's service on the test driver (its 'default' network is active,
/// 192.168.122.1/24, and its running guest 'test' has a NIC on it), with the host's routes from a
/// synthetic /proc/net under a temporary root.
/// </summary>
[Collection(TestDriverCollection.Name)]
public sealed class VirtualNetworkServiceTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vt-vnet-" + Guid.NewGuid().ToString("N"));
    private readonly ILibvirtConnection _c = LibvirtConnector.Open(LibvirtBindingTests.TestUri);
    private readonly HostContext _host;
    private readonly VirtualNetworkService _s;

    // eth0: default route via 192.0.2.1, 192.0.2.0/24 and 10.8.0.0/16; IPv6 fd12:3456:789a:1::/64 on eth0 plus what every host has.
    private const string Routes =
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
        "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n" +
        "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n" +
        "eth0\t0000080A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n";
    private const string Routes6 =
        "fd123456789a00010000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n" +
        "fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n" +
        "00000000000000000000000000000001 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000000 00000002 00000000 80200001       lo\n" +
        "ff000000000000000000000000000000 08 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000004 00000000 00000001     eth0\n" +
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003     eth0\n";

    public VirtualNetworkServiceTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "proc/net"));
        File.WriteAllText(Path.Combine(_root, "proc/net/route"), Routes);
        File.WriteAllText(Path.Combine(_root, "proc/net/ipv6_route"), Routes6);
        Directory.CreateDirectory(Path.Combine(_root, "sys/class/net/br0/bridge"));
        Directory.CreateDirectory(Path.Combine(_root, "sys/class/net/eth0"));
        var fs = new DiskFileSystem(_root);
        _host = new HostContext(fs, new ModprobeLoader(fs, new SystemProcessRunner()), new SystemProcessRunner());
        _s = new VirtualNetworkService(_c, _host);
    }

    public void Dispose()
    {
        foreach (var n in _c.ListNetworks())
            using (n)
                if (n.Name.StartsWith("vn-", StringComparison.Ordinal))
                {
                    if (n.IsActive) n.Stop();
                    if (n.IsPersistent) n.Undefine();
                }
        using (var def = _c.FindNetwork("default"))
            if (def is { IsActive: false }) def.Start();
        _c.Dispose();
        Directory.Delete(_root, true);
    }

    private static NetworkRequest Req(string name, NetworkMode mode, params string[] subnets) => new(name, mode, subnets, null, false, false);

    private VirtToolsException Refused(NetworkRequest r, string id)
    {
        var e = Assert.ThrowsAny<VirtToolsException>(() => _s.Create(_s.Plan(r)));
        Assert.Equal(id, e.ErrorId);
        using var left = _c.FindNetwork(r.Name);
        Assert.True(r.Name == "default" || left is null, "nothing is left behind");
        return e;
    }

    [Fact]
    public void A_nat_network_gets_the_first_address_and_the_rest_as_dhcp_range_starts_and_autostarts()
    {
        var n = _s.Create(_s.Plan(Req("vn-nat", NetworkMode.Nat, "192.168.150.0/24") with { AutoStart = true }));
        Assert.Equal(("vn-nat", true, true, "nat", "192.168.150.1/24", "192.168.150.2-192.168.150.254"),
            (n.Name, n.Active, n.Autostart, n.ForwardMode, n.IPAddress, n.DhcpRange));
    }

    [Fact]
    public void An_address_with_a_host_part_is_the_gateway_and_the_range_is_the_larger_side()
    {
        var plan = _s.Plan(Req("vn-gw", NetworkMode.Route, "10.9.0.254/24"));
        var a = Assert.Single(plan.Addressing);
        Assert.Equal(("10.9.0.254", "10.9.0.1", "10.9.0.253"), (a.Gateway.ToString(), a.DhcpStart.ToString(), a.DhcpEnd.ToString()));
        var ip = plan.Xml.Element("ip")!;
        Assert.Equal(("10.9.0.254", "24"), ((string?)ip.Attribute("address"), (string?)ip.Attribute("prefix")));
        Assert.Equal("route", (string?)plan.Xml.Element("forward")!.Attribute("mode"));
        Assert.Equal("Route network, 10.9.0.254/24 DHCP 10.9.0.1-10.9.0.253", plan.Describe());
    }

    [Fact]
    public void Isolated_has_no_forward_and_may_have_no_subnet_and_no_start()
    {
        var n = _s.Create(_s.Plan(Req("vn-iso", NetworkMode.Isolated) with { NoStart = true }));
        Assert.Equal(("isolated", false, (string?)null), (n.ForwardMode, n.Active, n.IPAddress));
    }

    [Fact]
    public void Dual_stack_with_an_ipv6_slash_64()
    {
        var plan = _s.Plan(Req("vn-v6", NetworkMode.Open, "10.77.0.0/16", "fd00:77::/64"));
        var ips = plan.Xml.Elements("ip").ToList();
        Assert.Equal(2, ips.Count);
        Assert.Equal(("ipv6", "fd00:77::1", "64"), ((string?)ips[1].Attribute("family"), (string?)ips[1].Attribute("address"), (string?)ips[1].Attribute("prefix")));
        Assert.Equal("fd00:77::100", (string?)ips[1].Element("dhcp")!.Element("range")!.Attribute("start"));
        Assert.Equal("open", (string?)plan.Xml.Element("forward")!.Attribute("mode"));
        Assert.Equal("vn-v6", _s.Create(plan).Name);
    }

    [Fact]
    public void Bridge_mode_on_an_existing_host_bridge()
    {
        var plan = _s.Plan(Req("vn-br", NetworkMode.Bridge) with { Bridge = "br0" });
        Assert.Equal("<network><name>vn-br</name><forward mode=\"bridge\" /><bridge name=\"br0\" /></network>", plan.Xml.ToString(SaveOptions.DisableFormatting));
    }

    [Theory]
    [InlineData("192.168.122.128/25", "libvirt network 'default'")]
    [InlineData("192.168.0.0/16", "libvirt network 'default'")]
    [InlineData("192.0.2.0/25", "the host's route to 192.0.2.0/24 (dev eth0)")]
    [InlineData("10.8.200.0/24", "the host's route to 10.8.0.0/16 (dev eth0)")]
    [InlineData("10.0.0.0/8", "the host's route to 10.8.0.0/16 (dev eth0)")]
    public void A_subnet_that_overlaps_another_network_or_a_host_route_is_refused_naming_it(string subnet, string what)
    {
        var e = Refused(Req("vn-over", NetworkMode.Nat, subnet), VirtualNetworkService.Ids.Overlaps);
        Assert.Contains(what, e.Message);
        Assert.Equal(FailureKind.ResourceExists, e.Kind);
    }

    [Fact]
    public void An_ipv6_subnet_on_a_host_route_is_refused_and_link_local_and_default_routes_are_not_counted()
    {
        var e = Refused(Req("vn-over6", NetworkMode.Nat, "10.66.0.0/24", "fd12:3456:789a:1::/64"), VirtualNetworkService.Ids.Overlaps);
        Assert.Contains("fd12:3456:789a:1::/64 (dev eth0)", e.Message);
        Assert.Equal(new[] { "192.0.2.0/24", "10.8.0.0/16", "fd12:3456:789a:1::/64" },
            HostRouteReader.Read(new DiskFileSystem(_root)).Select(r => r.Destination.ToString()));
    }

    // What `ip -j route show table all` printed on a host with a WireGuard VPN in table 51820 and a VRF's table 100.
    private const string IpTables4 =
        "[{\"dst\":\"default\",\"gateway\":\"192.0.2.1\",\"dev\":\"eth0\",\"flags\":[]},{\"dst\":\"192.0.2.0/24\",\"dev\":\"eth0\",\"protocol\":\"kernel\",\"scope\":\"link\",\"prefsrc\":\"192.0.2.2\",\"flags\":[]}," +
        "{\"dst\":\"default\",\"dev\":\"wg0\",\"table\":\"51820\",\"scope\":\"link\",\"flags\":[]},{\"dst\":\"172.31.0.0/16\",\"dev\":\"wg0\",\"table\":\"51820\",\"scope\":\"link\",\"flags\":[]}," +
        "{\"dst\":\"10.200.0.7\",\"gateway\":\"10.9.0.1\",\"dev\":\"vrf-blue\",\"table\":\"100\",\"flags\":[]}," +
        "{\"type\":\"local\",\"dst\":\"192.0.2.2\",\"dev\":\"eth0\",\"table\":\"local\",\"protocol\":\"kernel\",\"scope\":\"host\",\"prefsrc\":\"192.0.2.2\",\"flags\":[]}," +
        "{\"type\":\"broadcast\",\"dst\":\"10.66.0.255\",\"dev\":\"eth1\",\"table\":\"200\",\"flags\":[]}]";
    private const string IpTables6 =
        "[{\"dst\":\"fe80::/64\",\"dev\":\"wg0\",\"table\":\"51820\",\"flags\":[]},{\"dst\":\"fd00:51:820::/48\",\"dev\":\"wg0\",\"table\":\"51820\",\"metric\":1024,\"flags\":[]}]";

    private VirtualNetworkService WithPolicyRouting()
    {
        var fs = new DiskFileSystem(_root);
        var ip = new Testing.SimulatedProcessRunner()
            .Script("ip -j -4 route show table all", IpTables4)
            .Script("ip -j -6 route show table all", IpTables6);
        return new VirtualNetworkService(_c, new HostContext(fs, new ModprobeLoader(fs, ip), ip));
    }

    [Theory]
    [InlineData("172.31.8.0/24", "the host's route to 172.31.0.0/16 (dev wg0, table 51820)")]
    [InlineData("10.200.0.0/24", "the host's route to 10.200.0.7/32 (dev vrf-blue, table 100)")]
    [InlineData("10.8.1.0/24", "the host's route to 10.8.0.0/16 (dev eth0)")]
    public void A_subnet_on_a_route_of_another_routing_table_is_refused_naming_the_table(string subnet, string what)
    {
        var s = WithPolicyRouting();
        var e = Assert.Throws<VirtToolsException>(() => s.Plan(Req("vn-policy", NetworkMode.Nat, subnet)));
        Assert.Equal((VirtualNetworkService.Ids.Overlaps, true), (e.ErrorId, e.Message.Contains(what)));
    }

    [Fact]
    public void Local_broadcast_default_and_link_local_routes_of_other_tables_are_not_counted()
    {
        var fs = new DiskFileSystem(_root);
        var ip = new Testing.SimulatedProcessRunner().Script("ip -j -4 route show table all", IpTables4).Script("ip -j -6 route show table all", IpTables6);
        var routes = HostRouteReader.Read(new HostContext(fs, new ModprobeLoader(fs, ip), ip)).Select(r => r.ToString()).ToArray();
        Assert.Equal(new[]
        {
            "192.0.2.0/24 (dev eth0)", "10.8.0.0/16 (dev eth0)", "fd12:3456:789a:1::/64 (dev eth0)",
            "172.31.0.0/16 (dev wg0, table 51820)", "10.200.0.7/32 (dev vrf-blue, table 100)", "fd00:51:820::/48 (dev wg0, table 51820)",
        }, routes);
        Assert.NotNull(WithPolicyRouting().Plan(Req("vn-fine", NetworkMode.Nat, "10.66.0.0/24")));
    }

    [Fact]
    public void A_subnet_that_overlaps_another_new_network_is_refused()
    {
        _s.Create(_s.Plan(Req("vn-first", NetworkMode.Nat, "172.20.5.0/24") with { NoStart = true }));
        Assert.Contains("libvirt network 'vn-first' (172.20.5.1/24)", Refused(Req("vn-second", NetworkMode.Nat, "172.20.5.64/26"), VirtualNetworkService.Ids.Overlaps).Message);
    }

    [Theory]
    [InlineData("default", NetworkMode.Nat, "192.168.200.0/24", null, VirtualNetworkService.Ids.NameInUse)]
    [InlineData("vn/x", NetworkMode.Nat, "192.168.200.0/24", null, VirtualNetworkService.Ids.InvalidName)]
    [InlineData("..", NetworkMode.Nat, "192.168.200.0/24", null, VirtualNetworkService.Ids.InvalidName)]
    [InlineData("vn-bad", NetworkMode.Nat, "192.168.200.0", null, VirtualNetworkService.Ids.InvalidSubnet)]
    [InlineData("vn-bad", NetworkMode.Nat, "192.168.200.0/33", null, VirtualNetworkService.Ids.InvalidSubnet)]
    [InlineData("vn-bad", NetworkMode.Nat, "192.168.200.0/31", null, VirtualNetworkService.Ids.InvalidSubnet)]
    [InlineData("vn-bad", NetworkMode.Nat, "192.168.200.255/24", null, VirtualNetworkService.Ids.InvalidSubnet)]
    [InlineData("vn-bad", NetworkMode.Nat, "10.1/16", null, VirtualNetworkService.Ids.InvalidSubnet)]
    [InlineData("vn-bad", NetworkMode.Nat, "fd00:1::/48", null, VirtualNetworkService.Ids.InvalidSubnet)]
    [InlineData("vn-bad", NetworkMode.Nat, null, null, VirtualNetworkService.Ids.SubnetRequired)]
    [InlineData("vn-bad", NetworkMode.Route, null, null, VirtualNetworkService.Ids.SubnetRequired)]
    [InlineData("vn-bad", NetworkMode.Nat, "192.168.200.0/24", "br0", VirtualNetworkService.Ids.BridgeNotApplicable)]
    [InlineData("vn-bad", NetworkMode.Bridge, null, null, VirtualNetworkService.Ids.BridgeRequired)]
    [InlineData("vn-bad", NetworkMode.Bridge, "192.168.200.0/24", "br0", VirtualNetworkService.Ids.SubnetNotApplicable)]
    [InlineData("vn-bad", NetworkMode.Bridge, null, "eth0", VirtualNetworkService.Ids.BridgeNotFound)]
    [InlineData("vn-bad", NetworkMode.Bridge, null, "br 0", "InvalidBridgeName")]
    public void Bad_input_is_refused_before_libvirt_is_asked(string name, NetworkMode mode, string? subnet, string? bridge, string id) =>
        Refused(new NetworkRequest(name, mode, subnet is null ? Array.Empty<string>() : new[] { subnet }, bridge, false, false), id);

    [Fact]
    public void Two_ipv4_subnets_are_refused() =>
        Refused(Req("vn-two", NetworkMode.Nat, "10.70.0.0/24", "10.71.0.0/24"), VirtualNetworkService.Ids.InvalidSubnet);

    [Fact]
    public void A_failed_start_undefines_what_was_defined()
    {
        using var faulty = new FaultyConnection(LibvirtConnector.Open(LibvirtBindingTests.TestUri)) { FailNetworkAutostart = true };
        var s = new VirtualNetworkService(faulty, _host);
        var plan = s.Plan(Req("vn-clash", NetworkMode.Nat, "10.99.0.0/24") with { AutoStart = true });
        Assert.ThrowsAny<VirtToolsException>(() => s.Create(plan));
        using var left = _c.FindNetwork("vn-clash");
        Assert.Null(left);
    }

    [Fact]
    public void Removing_or_stopping_a_network_a_running_guest_uses_is_refused_naming_the_guest_unless_forced()
    {
        Assert.Equal(new[] { "test" }, _s.RunningUsers("default"));
        using var def = _c.FindNetwork("default")!;
        var e = Assert.Throws<VirtToolsException>(() => _s.Remove(def, force: false));
        Assert.Equal((VirtualNetworkService.Ids.InUse, FailureKind.ResourceBusy), (e.ErrorId, e.Kind));
        Assert.Contains("'test'", e.Message);
        Assert.Equal(VirtualNetworkService.Ids.InUse, Assert.Throws<VirtToolsException>(() => _s.Stop(def, force: false)).ErrorId);
        Assert.True(def.IsActive);
        _s.Stop(def, force: true);
        Assert.False(def.IsActive);
        VirtualNetworkService.Start(def);
        Assert.True(def.IsActive);
    }

    [Fact]
    public void Remove_stops_and_undefines()
    {
        _s.Create(_s.Plan(Req("vn-gone", NetworkMode.Nat, "10.98.0.0/24")));
        using (var n = _c.FindNetwork("vn-gone")!) _s.Remove(n, force: false);
        using var left = _c.FindNetwork("vn-gone");
        Assert.Null(left);
    }

    [Fact]
    public void The_test_driver_has_no_dhcp_leases_and_says_so()
    {
        using var def = _c.FindNetwork("default")!;
        var e = Assert.Throws<LibvirtException>(() => VirtualNetworkService.Leases(def, _c.Uri).ToList());
        Assert.Equal(ErrorCodes.NoSupport, e.Code);
    }
}
