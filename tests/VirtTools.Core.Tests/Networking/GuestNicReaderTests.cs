using System.Xml.Linq;
using VirtTools.Libvirt;
using VirtTools.Networking;
using VirtTools.Tests.Guests;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Networking;

/// <summary>The NIC reader on definitions of every interface type, and the address lookup's order on the test driver.</summary>
[Collection(TestDriverCollection.Name)]
public sealed class GuestNicReaderTests : IDisposable
{
    private readonly FaultyConnection _c = new(LibvirtConnector.Open(LibvirtBindingTests.TestUri));

    public void Dispose() => _c.Dispose();

    private const string Devices = """
        <domain type='kvm'><name>g</name><devices>
          <interface type='network'><mac address='52:54:00:AA:00:01'/><source network='default'/><model type='virtio'/><target dev='vnet3'/></interface>
          <interface type='bridge'><mac address='52:54:00:aa:00:02'/><source bridge='br0'/><model type='e1000e'/><link state='down'/></interface>
          <interface type='direct'><mac address='52:54:00:aa:00:03'/><source dev='eth1' mode='vepa'/></interface>
          <interface type='vhostuser'><mac address='52:54:00:aa:00:04'/><source type='unix' path='/run/ovs/vhu0.sock' mode='client'/><model type='virtio'/></interface>
          <interface type='hostdev' managed='yes'><mac address='52:54:00:aa:00:05'/><source><address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x1'/></source></interface>
          <interface type='user'><mac address='52:54:00:aa:00:06'/></interface>
        </devices></domain>
        """;

    [Fact]
    public void Reads_type_source_model_mac_link_and_target_of_every_interface_type()
    {
        var nics = GuestNicReader.Read(Devices);
        Assert.Equal(["network", "bridge", "direct", "vhostuser", "hostdev", "user"], nics.Select(n => n.Type));
        Assert.Equal(["default", "br0", "eth1", "/run/ovs/vhu0.sock", "0000:03:10.1", null], nics.Select(n => n.Source));
        Assert.Equal(["virtio", "e1000e", null, "virtio", null, null], nics.Select(n => n.Model));
        Assert.Equal("52:54:00:aa:00:01", nics[0].MacAddress); // lower case, as libvirt compares them
        Assert.Equal(["Up", "Down", "Up", "Up", "Up", "Up"], nics.Select(n => n.LinkState));
        Assert.Equal("vnet3", nics[0].Device);
        Assert.Null(nics[1].Device);
    }

    [Fact]
    public void A_vhost_user_nic_shows_its_socket_path_in_Get_VMGuest_too()
    {
        var def = VirtTools.Guests.GuestReader.Definition(Devices);
        Assert.Contains("vhostuser:/run/ovs/vhu0.sock", def.Interfaces);
    }

    [Fact]
    public void A_definition_without_devices_has_no_nics() =>
        Assert.Empty(GuestNicReader.Read("<domain type='kvm'><name>x</name></domain>"));

    [Fact]
    public void The_test_drivers_guest_answers_from_the_lease_and_nothing_else_is_asked()
    {
        using var d = _c.FindDomain("test")!;
        var nics = GuestNicReader.Adapters(d, _c.Uri);
        var nic = Assert.Single(nics);
        Assert.Equal("test", nic.Guest);
        Assert.Equal("aa:bb:cc:dd:ee:ff", nic.MacAddress);
        Assert.Equal("network:default", nic.Connection);
        Assert.Equal("testnet0", nic.Device);
        var a = Assert.Single(nic.IPAddresses);
        Assert.Equal(("192.168.122.3", 24, "IPv4", "Lease"), (a.Address, a.PrefixLength, a.Family, a.Source));
        Assert.Equal([InterfaceAddressSource.Lease], _c.AddressCalls);
    }

    private static LibvirtInterfaceAddresses Answer(string mac, params string[] addresses) =>
        new("eth0", mac, addresses.Select(x => new LibvirtIPAddress(x.Contains(':') ? IPAddressType.IPv6 : IPAddressType.IPv4, x, 24)).ToList());

    private static XElement LiveWithAgent(string state) => XElement.Parse(
        $"<domain><devices><channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='{state}'/></channel></devices></domain>");

    [Fact]
    public void Each_mac_takes_the_first_source_that_answers_and_later_sources_are_asked_only_for_the_rest()
    {
        var nics = new[] { Nic("52:54:00:00:00:01"), Nic("52:54:00:00:00:02"), Nic("52:54:00:00:00:03") };
        _c.Addresses[InterfaceAddressSource.Lease] = [Answer("52:54:00:00:00:01", "10.0.0.5")];
        _c.Addresses[InterfaceAddressSource.Agent] = [Answer("52:54:00:00:00:01", "10.9.9.9"), Answer("52:54:00:00:00:02", "10.0.0.6", "fe80::1"), Answer("00:00:00:00:00:00", "127.0.0.1")];
        _c.Addresses[InterfaceAddressSource.Arp] = [Answer("52:54:00:00:00:03", "10.0.0.7")];
        using var d = _c.FindDomain("test")!;
        var found = GuestAddressLookup.Find(d, nics, askAgent: true);
        Assert.Equal(["10.0.0.5 Lease"], found["52:54:00:00:00:01"].Select(a => $"{a.Address} {a.Source}"));
        Assert.Equal(["10.0.0.6 Agent", "fe80::1 Agent"], found["52:54:00:00:00:02"].Select(a => $"{a.Address} {a.Source}"));
        Assert.Equal("IPv6", found["52:54:00:00:00:02"][1].Family);
        Assert.Equal(["10.0.0.7 Arp"], found["52:54:00:00:00:03"].Select(a => $"{a.Address} {a.Source}"));
        Assert.Equal(3, found.Count);
        Assert.Equal([InterfaceAddressSource.Lease, InterfaceAddressSource.Agent, InterfaceAddressSource.Arp], _c.AddressCalls);
    }

    [Fact]
    public void A_failing_source_is_noted_and_skipped_and_a_disconnected_agent_is_not_asked()
    {
        var nics = new[] { Nic("52:54:00:00:00:01") };
        _c.Addresses[InterfaceAddressSource.Lease] = null;
        _c.Addresses[InterfaceAddressSource.Agent] = [Answer("52:54:00:00:00:01", "10.9.9.9")];
        _c.Addresses[InterfaceAddressSource.Arp] = [Answer("52:54:00:00:00:01", "10.0.0.7")];
        using var d = _c.FindDomain("test")!;
        var notes = new List<string>();
        var found = GuestAddressLookup.Find(d, nics, GuestAddressLookup.AgentConnected(LiveWithAgent("disconnected")), notes);
        Assert.Equal("Arp", Assert.Single(found["52:54:00:00:00:01"]).Source);
        Assert.Equal([InterfaceAddressSource.Lease, InterfaceAddressSource.Arp], _c.AddressCalls);
        Assert.Contains(notes, n => n.Contains("from Lease: injected failure", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.Contains("agent is not connected", StringComparison.Ordinal));
        Assert.True(GuestAddressLookup.AgentConnected(LiveWithAgent("connected")));
    }

    [Fact]
    public void No_source_is_asked_once_every_mac_has_an_answer_and_none_for_a_shut_off_guest()
    {
        _c.Addresses[InterfaceAddressSource.Lease] = [Answer("52:54:00:00:00:01", "10.0.0.5")];
        using var d = _c.FindDomain("test")!;
        GuestAddressLookup.Find(d, [Nic("52:54:00:00:00:01")], askAgent: true);
        Assert.Equal([InterfaceAddressSource.Lease], _c.AddressCalls);

        using var off = _c.DefineDomain("<domain type='test'><name>nic-off</name><memory>65536</memory><os><type>hvm</type></os>" +
                                        "<devices><interface type='network'><mac address='52:54:00:00:00:09'/><source network='default'/></interface></devices></domain>");
        try
        {
            _c.AddressCalls.Clear();
            var nic = Assert.Single(GuestNicReader.Adapters(off, _c.Uri));
            Assert.Empty(nic.IPAddresses);
            Assert.Null(nic.Device);
            Assert.Empty(_c.AddressCalls);
        }
        finally { off.Undefine(); }
    }

    private static GuestNic Nic(string mac) => new("network", "default", "virtio", mac, "Up", null, new XElement("interface"));

    [Theory]
    [InlineData("52:54:00:AB:cd:01", "52:54:00:ab:cd:01")]
    [InlineData("52-54-00-ab-cd-01", "52:54:00:ab:cd:01")]
    [InlineData("525400abcd01", "52:54:00:ab:cd:01")]
    [InlineData(" 52:54:00:ab:cd:01 ", "52:54:00:ab:cd:01")]
    [InlineData("01:00:5e:00:00:01", null)] // multicast
    [InlineData("00:00:00:00:00:00", null)]
    [InlineData("52:54:00:ab:cd", null)]
    [InlineData("52:54:00:ab:cd:0g", null)]
    [InlineData("52:54:00-ab:cd:01", null)]
    [InlineData("52.54.00.ab.cd.01", null)]
    [InlineData("", null)]
    public void Normalizes_mac_addresses_and_refuses_what_no_nic_can_have(string text, string? expected) =>
        Assert.Equal(expected, MacAddress.Normalize(text));

    [Fact]
    public void Generated_macs_are_in_libvirts_range_and_avoid_those_in_use()
    {
        var used = MacAddress.InUse(_c);
        Assert.Contains("aa:bb:cc:dd:ee:ff", used);
        // A generator that first draws a MAC in use must draw again.
        var seeded = new Random(7);
        var first = MacAddress.Generate(new HashSet<string>(), new Random(7));
        var next = MacAddress.Generate(new HashSet<string> { first }, seeded);
        Assert.NotEqual(first, next);
        Assert.StartsWith("52:54:00:", next, StringComparison.Ordinal);
        Assert.Equal(next, MacAddress.Normalize(next));
    }
}
