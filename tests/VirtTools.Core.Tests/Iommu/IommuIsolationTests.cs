using VirtTools.Host;
using VirtTools.Iommu;
using VirtTools.Testing;

namespace VirtTools.Tests;

/// <summary>
/// What the topology allows (IsIsolated) apart from what the drivers allow now (IsReady), on the
/// recorded ThinkPad X1 Carbon Gen10 (ghw 415ee03...), whose groups come from device links.
/// </summary>
public class IommuIsolationTests
{
    private static Dictionary<int, IommuGroup> Laptop() =>
        new IommuGroupReader(new DiskFileSystem(Fixtures.Root("ghw/linux-amd64-415ee03b8c4d1c4f07ae2e9d8b3d3d6d.tar.gz")))
            .ReadAll().ToDictionary(g => g.Number);

    [Fact]
    public void An_nvme_alone_in_its_group_is_isolated_but_not_ready()
    {
        var g = Laptop()[14];
        Assert.Equal("nvme", Assert.Single(g.Devices).Driver);
        Assert.True(g.IsIsolated);
        Assert.False(g.IsReady);
        Assert.False(g.IsViable);
        var reason = Assert.Single(g.Reasons);
        Assert.Contains("Enable-VfioDevice 0000:04:00.0", reason);
        Assert.DoesNotContain("too", reason);
    }

    [Fact]
    public void A_group_of_bridges_only_has_nothing_to_give_a_guest()
    {
        var groups = Laptop();
        foreach (var n in new[] { 1, 3, 4, 5 }) // host bridge (igen6_edac); root ports on pcieport
        {
            var g = groups[n];
            Assert.False(g.IsIsolated, $"group {n}");
            Assert.False(g.IsViable, $"group {n}");
            Assert.Contains(g.Reasons, r => r.Contains("only bridges"));
        }
        Assert.True(groups[3].IsReady); // pcieport is DMA-safe: the drivers are fine, the topology has nothing to offer
    }

    [Fact]
    public void Groups_with_platform_functions_are_not_isolated()
    {
        var groups = Laptop();
        var lpc = groups[13]; // ISA bridge, audio, SMBus, SPI flash
        Assert.False(lpc.IsIsolated);
        Assert.Contains(lpc.Reasons, r => r.Contains("0000:00:1f.4") && r.Contains("SMBus"));
        Assert.Contains(lpc.Reasons, r => r.Contains("0000:00:1f.5"));
        Assert.False(groups[12].IsIsolated); // MEI + its serial port
    }

    [Fact]
    public void A_driverless_endpoint_alone_is_isolated_ready_and_viable()
    {
        var g = Laptop()[6];
        Assert.Null(Assert.Single(g.Devices).Driver);
        Assert.True(g.IsIsolated);
        Assert.True(g.IsReady);
        Assert.True(g.IsViable);
        Assert.Empty(g.Reasons);
    }

    [Fact]
    public void IsViable_is_isolated_and_ready()
    {
        foreach (var g in Laptop().Values)
            Assert.Equal(g.IsIsolated && g.IsReady, g.IsViable);
    }
}
