using VirtTools.Guests;
using VirtTools.Host;
using VirtTools.Libvirt;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Guests;

/// <summary>One creator serves a whole New-VMGuest pipeline: what does not change between guests is read once.</summary>
[Collection(TestDriverCollection.Name)]
public sealed class GuestCreatorPipelineTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vt-pipe-" + Guid.NewGuid().ToString("N"));
    private readonly FaultyConnection _c = new(LibvirtConnector.Open(LibvirtBindingTests.TestUri));

    public GuestCreatorPipelineTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        _c.Dispose();
        Directory.Delete(_root, true);
    }

    private GuestCreator Creator()
    {
        var fs = new DiskFileSystem(_root);
        return new GuestCreator(_c, new HostContext(fs, new ModprobeLoader(fs, new SystemProcessRunner()), new SystemProcessRunner()));
    }

    [Fact]
    public void Node_info_capabilities_and_the_network_are_read_once_for_many_guests()
    {
        var creator = Creator();
        var plans = Enumerable.Range(1, 5)
            .Select(i => creator.Plan(new GuestRequest { Name = $"pipe-{i}", Hypervisor = GuestHypervisor.QEMU, MemoryBytes = 128L << 20, Network = "default" }))
            .ToList();
        Assert.All(plans, p => Assert.Equal("default", p.Spec.Network));
        Assert.All(plans, p => Assert.Contains("<source network=\"default\"", p.Xml));
        Assert.Equal(1, _c.Calls["GetNodeInfo"]);
        Assert.Equal(1, _c.Calls["GetCapabilities"]);
        Assert.Equal(1, _c.Calls["FindNetwork"]);
    }

    [Fact]
    public void Every_guest_still_gets_the_default_hypervisor_warning_and_its_own_limits_check()
    {
        var creator = Creator();
        var first = creator.Plan(new GuestRequest { Name = "pipe-a", MemoryBytes = 128L << 20 });
        var second = creator.Plan(new GuestRequest { Name = "pipe-b", MemoryBytes = 128L << 20 });
        Assert.Equal(first.Warnings, second.Warnings);
        Assert.Contains(second.Warnings, w => w.Contains("-Hypervisor QEMU"));
        // The node's size is remembered, and still checked against each guest's own request.
        var e = Assert.Throws<VirtToolsException>(() => creator.Plan(new GuestRequest { Name = "pipe-c", MemoryBytes = 1L << 50 }));
        Assert.Equal("GuestMemoryTooLarge", e.ErrorId);
        Assert.Equal(1, _c.Calls["GetNodeInfo"]);
    }

    [Fact]
    public void A_network_that_is_missing_is_an_error_for_each_guest_not_a_remembered_answer()
    {
        var creator = Creator();
        for (var i = 0; i < 2; i++)
        {
            var e = Assert.Throws<VirtToolsException>(() => creator.Plan(new GuestRequest { Name = $"pipe-n{i}", MemoryBytes = 128L << 20, Network = "nosuchnet" }));
            Assert.Equal("NetworkNotFound", e.ErrorId);
        }
        Assert.Equal(2, _c.Calls["FindNetwork"]);
    }
}
