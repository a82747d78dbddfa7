using System.Xml.Linq;
using VirtTools.Guests;
using VirtTools.Host;
using VirtTools.Libvirt;
using VirtTools.Networking;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Networking;

/// <summary>New-VMGuest's NIC (issue 20 items 7 and 8) on the test driver, whose 'default' network is active.</summary>
[Collection(TestDriverCollection.Name)]
public sealed class GuestNetworkChoiceTests : IDisposable
{
    private const string Pool = "default-pool";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vt-nic-" + Guid.NewGuid().ToString("N"));
    private readonly ILibvirtConnection _c = LibvirtConnector.Open(LibvirtBindingTests.TestUri);

    public GuestNetworkChoiceTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        using (var def = _c.FindNetwork("default"))
            if (def is { IsActive: false }) def.Start();
        using (var idle = _c.FindNetwork("nic-idle"))
            idle?.Undefine();
        _c.Dispose();
        Directory.Delete(_root, true);
    }

    private GuestCreator Creator()
    {
        var fs = new DiskFileSystem(_root);
        return new GuestCreator(_c, new HostContext(fs, new ModprobeLoader(fs, new SystemProcessRunner()), new SystemProcessRunner()));
    }

    private static IEnumerable<XElement> Nics(GuestPlan p) => XDocument.Parse(p.Xml).Root!.Element("devices")!.Elements("interface");

    [Fact]
    public void Without_network_or_bridge_the_guest_gets_a_virtio_nic_on_an_active_default_as_virt_install_does()
    {
        var plan = Creator().Plan(new GuestRequest { Name = "nic-def" });
        Assert.Equal("default", plan.Spec.Network);
        var nic = Assert.Single(Nics(plan));
        Assert.Equal("default", (string?)nic.Element("source")!.Attribute("network"));
        Assert.Equal("virtio", (string?)nic.Element("model")!.Attribute("type"));
        Assert.DoesNotContain(plan.Warnings, w => w.Contains("NIC", StringComparison.Ordinal));
        Assert.Contains("network 'default'", plan.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void NoNetwork_gives_no_nic_and_no_warning_and_a_bridge_keeps_its_own()
    {
        var none = Creator().Plan(new GuestRequest { Name = "nic-none", NoNetwork = true });
        Assert.Empty(Nics(none));
        Assert.DoesNotContain(none.Warnings, w => w.Contains("NIC", StringComparison.Ordinal));
        var bridged = Creator().Plan(new GuestRequest { Name = "nic-br", Bridge = "br0" });
        Assert.Equal("bridge", (string?)Assert.Single(Nics(bridged)).Attribute("type"));
        Assert.Null(bridged.Spec.Network);
    }

    [Fact]
    public void An_inactive_default_means_no_nic_and_a_warning_that_says_how_to_get_one()
    {
        using (var def = _c.FindNetwork("default")!) def.Stop();
        var plan = Creator().Plan(new GuestRequest { Name = "nic-nodef" });
        Assert.Empty(Nics(plan));
        var w = Assert.Single(plan.Warnings, x => x.Contains("no NIC", StringComparison.Ordinal));
        Assert.Contains("virsh net-start default", w, StringComparison.Ordinal);
        Assert.Contains("-NoNetwork", w, StringComparison.Ordinal);
    }

    [Fact]
    public void An_inactive_network_is_refused_before_the_volume_or_the_definition_exists()
    {
        using (_c.DefineNetwork("<network><name>nic-idle</name><bridge name='virbr9'/></network>")) { }
        var e = Assert.Throws<VirtToolsException>(() =>
            Creator().Plan(new GuestRequest { Name = "nic-idle-g", Network = "nic-idle", NewDiskSizeBytes = 1L << 30, StoragePool = Pool }));
        Assert.Equal((GuestNetworkChoice.Ids.NotActive, FailureKind.InvalidOperation), (e.ErrorId, e.Kind));
        Assert.Contains("Nothing was created", e.Message, StringComparison.Ordinal);
        Assert.Equal("virsh net-start nic-idle; virsh net-autostart nic-idle", e.RecommendedAction!.Split(": ")[1]);
        Assert.Null(_c.FindDomain("nic-idle-g"));
        using var pool = _c.FindStoragePool(Pool)!;
        Assert.Null(pool.FindVolume("nic-idle-g.qcow2"));
    }

    [Fact]
    public void A_missing_network_and_NoNetwork_with_a_network_are_refused()
    {
        Assert.Equal(GuestNetworkChoice.Ids.NotFound,
            Assert.Throws<VirtToolsException>(() => Creator().Plan(new GuestRequest { Name = "nic-x", Network = "nope" })).ErrorId);
        var e = Assert.Throws<VirtToolsException>(() => Creator().Plan(new GuestRequest { Name = "nic-x", Network = "default", NoNetwork = true }));
        Assert.Equal((GuestNetworkChoice.Ids.NoNetworkAndNetwork, FailureKind.InvalidArgument), (e.ErrorId, e.Kind));
        Assert.Equal(GuestNetworkChoice.Ids.NoNetworkAndNetwork,
            Assert.Throws<VirtToolsException>(() => Creator().Plan(new GuestRequest { Name = "nic-x", Bridge = "br0", NoNetwork = true })).ErrorId);
    }
}
