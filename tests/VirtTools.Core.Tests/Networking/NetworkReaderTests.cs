using VirtTools.Libvirt;
using VirtTools.Networking;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Networking;

/// <summary>Get-VMNetwork's reader on the test driver's networks.</summary>
[Collection(TestDriverCollection.Name)]
public sealed class NetworkReaderTests : IDisposable
{
    private readonly ILibvirtConnection _c = LibvirtConnector.Open(LibvirtBindingTests.TestUri);

    public void Dispose()
    {
        foreach (var name in new[] { "nr-route", "nr-iso" })
            using (var n = _c.FindNetwork(name)) n?.Undefine();
        _c.Dispose();
    }

    private VMNetwork Read(string name)
    {
        using var n = _c.FindNetwork(name)!;
        return NetworkReader.Read(n, _c.Uri);
    }

    [Fact]
    public void The_default_network_with_its_prefix_from_the_netmask_and_its_dhcp_range()
    {
        var n = Read("default");
        Assert.Equal(("default", true, "virbr0", "nat", "192.168.122.1/24", "192.168.122.2-192.168.122.254"),
            (n.Name, n.Active, n.Bridge, n.ForwardMode, n.IPAddress, n.DhcpRange));
        Assert.Equal("test:///default", n.ConnectionUri);
    }

    [Fact]
    public void Routed_and_isolated_networks_inactive_without_dhcp()
    {
        using (_c.DefineNetwork("<network><name>nr-route</name><forward mode='route'/><bridge name='virbr5'/><ip address='10.5.0.1' netmask='255.255.252.0'/></network>")) { }
        using (_c.DefineNetwork("<network><name>nr-iso</name><bridge name='virbr6'/></network>")) { }
        var route = Read("nr-route");
        Assert.Equal((false, "route", "10.5.0.1/22", (string?)null), (route.Active, route.ForwardMode, route.IPAddress, route.DhcpRange));
        var iso = Read("nr-iso");
        Assert.Equal(("isolated", (string?)null, true), (iso.ForwardMode, iso.IPAddress, iso.Persistent));
    }
}
