using System.Xml.Linq;
using VirtTools.Guests;
using VirtTools.Libvirt;
using VirtTools.Networking;
using VirtTools.Tests.Guests;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Networking;

/// <summary>
/// Add/Remove/Set-VMGuestNetworkAdapter's plans on the test driver's running, persistent guest 'test'.
/// The driver refuses device calls, so the fake records them (SimulateDevices) and refuses on cue: the
/// order live-then-definition and the undo are what is checked; the real calls are proven on the daemon.
/// </summary>
[Collection(TestDriverCollection.Name)]
public sealed class GuestNicChangerTests : IDisposable
{
    private readonly FaultyConnection _c = new(LibvirtConnector.Open(LibvirtBindingTests.TestUri)) { SimulateDevices = true };
    private readonly ILibvirtDomain _test;
    private readonly List<string> _names = new();

    public GuestNicChangerTests() => _test = _c.FindDomain("test")!;

    public void Dispose()
    {
        _test.Dispose();
        foreach (var n in _names)
        {
            using var d = _c.FindDomain(n);
            if (d is null) continue;
            if (d.IsActive) d.Destroy();
            d.Undefine();
        }
        using (var idle = _c.FindNetwork("nic-idle2")) idle?.Undefine();
        _c.Dispose();
    }

    private GuestNicChanger Changer() => new(_c);

    private ILibvirtDomain ShutOff(string name, string type = "test", string devices = "")
    {
        _names.Add(name);
        return _c.DefineDomain($"<domain type='{type}'><name>{name}</name><memory>65536</memory><os><type>hvm</type></os><devices>{devices}</devices></domain>");
    }

    [Fact]
    public void Add_attaches_to_the_running_guest_then_to_its_definition_with_one_generated_mac()
    {
        var plan = Changer().PlanAdd(_test, new NicRequest { Network = "default" }, GuestChangeScope.LiveAndPersistent, out var mac);
        Assert.StartsWith("52:54:00:", mac, StringComparison.Ordinal);
        Assert.DoesNotContain(mac, MacAddress.InUse(_c));
        plan.Apply();
        Assert.Equal(["attach Live", "attach Config"], _c.DeviceCalls);
        Assert.Equal(_c.DeviceXml[0], _c.DeviceXml[1]);
        var nic = XElement.Parse(_c.DeviceXml[0]);
        Assert.Equal(("network", mac, "default", "virtio"), ((string?)nic.Attribute("type"), (string?)nic.Element("mac")!.Attribute("address"),
            (string?)nic.Element("source")!.Attribute("network"), (string?)nic.Element("model")!.Attribute("type")));
    }

    [Fact]
    public void A_definition_that_refuses_the_nic_takes_it_back_from_the_running_guest()
    {
        _c.FailDeviceOp = "attach";
        _c.FailDeviceFlags = DomainModificationFlags.Config;
        var plan = Changer().PlanAdd(_test, new NicRequest { Bridge = "br0", MacAddress = "52-54-00-AB-CD-EF", Model = "e1000e" }, GuestChangeScope.LiveAndPersistent, out var mac);
        Assert.Equal("52:54:00:ab:cd:ef", mac);
        var e = Assert.Throws<VirtToolsException>(plan.Apply);
        Assert.Equal(GuestNicChanger.Ids.AddRefused, e.ErrorId);
        Assert.Contains("were undone", e.Message, StringComparison.Ordinal);
        Assert.Equal(["attach Live", "attach Config", "detach Live"], _c.DeviceCalls);
        Assert.Equal(_c.DeviceXml[0], _c.DeviceXml[2]);
    }

    [Fact]
    public void Add_refuses_a_used_or_bad_mac_a_bad_model_no_source_and_an_inactive_network_for_a_running_guest()
    {
        string Id(NicRequest r, GuestChangeScope s = GuestChangeScope.LiveAndPersistent) =>
            Assert.Throws<VirtToolsException>(() => Changer().PlanAdd(_test, r, s, out _)).ErrorId;
        Assert.Equal(GuestNicChanger.Ids.MacInUse, Id(new NicRequest { Network = "default", MacAddress = "AA:BB:CC:DD:EE:FF" }));
        Assert.Equal(GuestNicChanger.Ids.InvalidMac, Id(new NicRequest { Network = "default", MacAddress = "01:00:5e:00:00:01" }));
        Assert.Equal(GuestNicChanger.Ids.InvalidModel, Id(new NicRequest { Network = "default", Model = "virtio'/><x" }));
        Assert.Equal(GuestNicChanger.Ids.NetworkOrBridge, Id(new NicRequest()));
        Assert.Equal(GuestNicChanger.Ids.NetworkOrBridge, Id(new NicRequest { Network = "default", Bridge = "br0" }));
        Assert.Equal("InvalidBridgeName", Id(new NicRequest { Bridge = "br 0" }));
        Assert.Equal(GuestNetworkChoice.Ids.NotFound, Id(new NicRequest { Network = "nope" }));
        using (_c.DefineNetwork("<network><name>nic-idle2</name><bridge name='virbr8'/></network>")) { }
        Assert.Equal(GuestNetworkChoice.Ids.NotActive, Id(new NicRequest { Network = "nic-idle2" }));
        Assert.Empty(_c.DeviceCalls);
    }

    [Fact]
    public void A_shut_off_guest_changes_its_definition_only_and_Live_is_refused_there()
    {
        using var off = ShutOff("nic-chg-off");
        using (_c.DefineNetwork("<network><name>nic-idle2</name><bridge name='virbr8'/></network>")) { }
        var plan = Changer().PlanAdd(off, new NicRequest { Network = "nic-idle2" }, GuestChangeScope.LiveAndPersistent, out _);
        Assert.Contains(plan.Warnings, w => w.Contains("virsh net-start nic-idle2", StringComparison.Ordinal));
        plan.Apply();
        Assert.Equal(["attach Config"], _c.DeviceCalls);
        var e = Assert.Throws<VirtToolsException>(() => Changer().PlanAdd(off, new NicRequest { Network = "default" }, GuestChangeScope.Live, out _));
        Assert.Equal((GuestConfigurator.Ids.NotRunning, FailureKind.InvalidOperation), (e.ErrorId, e.Kind));
    }

    [Fact]
    public void A_xen_pvhvm_guest_gets_netfront()
    {
        using var hvm = ShutOff("nic-xen-hvm", "xen", "<disk type='file' device='disk'><source file='/x.img'/><target dev='xvda' bus='xen'/></disk>");
        Changer().PlanAdd(hvm, new NicRequest { Network = "default" }, GuestChangeScope.LiveAndPersistent, out _).Apply();
        Assert.Equal("netfront", (string?)XElement.Parse(_c.DeviceXml[^1]).Element("model")!.Attribute("type"));
    }

    [Fact]
    public void Remove_detaches_the_guests_own_elements_and_puts_the_live_one_back_when_the_definition_refuses()
    {
        _c.FailDeviceOp = "detach";
        _c.FailDeviceFlags = DomainModificationFlags.Config;
        var plan = Changer().PlanRemove(_test, "aa-bb-cc-dd-ee-ff", GuestChangeScope.LiveAndPersistent);
        Assert.Equal("remove NIC aa:bb:cc:dd:ee:ff from the running guest; remove NIC aa:bb:cc:dd:ee:ff from the definition", plan.Describe());
        var e = Assert.Throws<VirtToolsException>(plan.Apply);
        Assert.Equal(GuestNicChanger.Ids.RemoveRefused, e.ErrorId);
        Assert.Equal(["detach Live", "detach Config", "attach Live"], _c.DeviceCalls);
        Assert.Equal("testnet0", (string?)XElement.Parse(_c.DeviceXml[0]).Element("target")!.Attribute("dev"));
        var back = XElement.Parse(_c.DeviceXml[2]);
        Assert.Null(back.Element("target")); // libvirt names the host side again
        Assert.Equal("aa:bb:cc:dd:ee:ff", (string?)back.Element("mac")!.Attribute("address"));
    }

    [Fact]
    public void Remove_and_Set_refuse_a_mac_the_guest_does_not_have()
    {
        var e = Assert.Throws<VirtToolsException>(() => Changer().PlanRemove(_test, "52:54:00:00:00:99", GuestChangeScope.LiveAndPersistent));
        Assert.Equal((GuestNicChanger.Ids.NotFound, FailureKind.ObjectNotFound), (e.ErrorId, e.Kind));
        Assert.Equal(GuestNicChanger.Ids.NotFound,
            Assert.Throws<VirtToolsException>(() => Changer().PlanLinkState(_test, "52:54:00:00:00:99", "Down", GuestChangeScope.Live)).ErrorId);
        Assert.Equal(GuestNicChanger.Ids.InvalidMac,
            Assert.Throws<VirtToolsException>(() => Changer().PlanRemove(_test, "nic0", GuestChangeScope.Live)).ErrorId);
    }

    [Fact]
    public void Link_down_updates_both_sides_and_is_undone_live_when_the_definition_refuses()
    {
        var plan = Changer().PlanLinkState(_test, "aa:bb:cc:dd:ee:ff", "Down", GuestChangeScope.LiveAndPersistent);
        plan.Apply();
        Assert.Equal(["update Live", "update Config"], _c.DeviceCalls);
        Assert.All(_c.DeviceXml, x => Assert.Equal("down", (string?)XElement.Parse(x).Element("link")!.Attribute("state")));

        _c.DeviceCalls.Clear();
        _c.DeviceXml.Clear();
        _c.FailDeviceOp = "update";
        _c.FailDeviceFlags = DomainModificationFlags.Config;
        var e = Assert.Throws<VirtToolsException>(Changer().PlanLinkState(_test, "aa:bb:cc:dd:ee:ff", "down", GuestChangeScope.LiveAndPersistent).Apply);
        Assert.Equal(GuestNicChanger.Ids.LinkRefused, e.ErrorId);
        Assert.Equal(["update Live", "update Config", "update Live"], _c.DeviceCalls);
        Assert.Equal("up", (string?)XElement.Parse(_c.DeviceXml[2]).Element("link")!.Attribute("state"));
    }

    [Fact]
    public void A_link_already_in_that_state_is_left_alone_with_a_warning()
    {
        var plan = Changer().PlanLinkState(_test, "aa:bb:cc:dd:ee:ff", "Up", GuestChangeScope.LiveAndPersistent);
        Assert.Empty(plan.Steps);
        Assert.Equal(2, plan.Warnings.Count(w => w.Contains("already Up", StringComparison.Ordinal)));
    }
}
