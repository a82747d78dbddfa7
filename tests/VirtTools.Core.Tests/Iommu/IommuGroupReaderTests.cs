using VirtTools.Iommu;
using VirtTools.Testing;

namespace VirtTools.Tests;

public class IommuGroupReaderTests
{
    [Theory]
    [InlineData(null, true)]
    [InlineData("vfio-pci", true)]
    [InlineData("mlx5_vfio_pci", true)]
    [InlineData("xe-vfio-pci", true)]
    [InlineData("pci-stub", true)]
    [InlineData("pciback", true)]
    [InlineData("snd_hda_intel", false)]
    [InlineData("nvidia", false)]
    [InlineData("vfio-pci-core", false)]
    public void Dma_safe_drivers_follow_the_kernel_rule(string? driver, bool safe) =>
        Assert.Equal(safe, IommuGroupReader.IsDmaSafeDriver(driver));

    private static TempTree GpuHost(string audioDriver)
    {
        var t = new TempTree();
        var b = t.Builder;
        b.Pci(new PciSpec { Address = "0000:00:01.0", Vendor = "8086", Device = "1901", Class = "060400", Driver = "pcieport", IommuGroup = 2 });
        b.Pci(new PciSpec { Address = "0000:01:00.0", Parent = "0000:00:01.0", Vendor = "10de", Device = "2204", Class = "030000", Driver = "vfio-pci", IommuGroup = 2 });
        b.Pci(new PciSpec { Address = "0000:01:00.1", Parent = "0000:00:01.0", Vendor = "10de", Device = "1aef", Class = "040300", Driver = audioDriver, IommuGroup = 2 });
        b.Pci(new PciSpec { Address = "0000:02:00.0", Vendor = "8086", Device = "10d3", IommuGroup = 5 });
        b.File("/sys/kernel/iommu_groups/5/type", "identity\n");
        return t;
    }

    [Fact]
    public void A_member_on_a_host_driver_blocks_the_group_and_the_reason_says_what_to_do()
    {
        using var t = GpuHost("snd_hda_intel");
        var r = new IommuGroupReader(t.Files);
        Assert.Equal(new[] { 2, 5 }, r.ListNumbers());
        var g = r.Read(2);
        Assert.Equal("DMA", g.Type);
        Assert.Equal("/sys/kernel/iommu_groups/2", g.SysfsPath);
        Assert.Equal(new[] { "0000:00:01.0", "0000:01:00.0", "0000:01:00.1" }, g.Devices.Select(d => d.Address));
        Assert.False(g.IsViable);
        var reason = Assert.Single(g.Reasons);
        Assert.Contains("0000:01:00.1", reason);
        Assert.Contains("snd_hda_intel", reason);
        Assert.Contains("Enable-VfioDevice -IncludeIommuGroup", reason);
        Assert.True(g.Devices[0].IsBridge);
        Assert.True(g.Devices[0].IsDmaSafe);
        Assert.False(g.Devices[2].IsDmaSafe);
    }

    [Fact]
    public void Bridges_on_pcieport_and_driverless_endpoints_do_not_block()
    {
        using var t = GpuHost("vfio-pci");
        var r = new IommuGroupReader(t.Files);
        Assert.True(r.Read(2).IsViable);
        var five = r.Read(5);
        Assert.True(five.IsViable); // no driver at all
        Assert.Equal("identity", five.Type);
    }

    [Fact]
    public void Unknown_group_is_IommuGroupNotFound()
    {
        using var t = GpuHost("vfio-pci");
        var e = Assert.Throws<VirtToolsException>(() => new IommuGroupReader(t.Files).Read(77));
        Assert.Equal("IommuGroupNotFound", e.ErrorId);
        Assert.Equal(FailureKind.ObjectNotFound, e.Kind);
    }

    [Fact]
    public void Without_the_groups_directory_members_come_from_device_links()
    {
        using var t = GpuHost("snd_hda_intel");
        Directory.Delete(t.Builder.OnDisk("/sys/kernel/iommu_groups"), true);
        // The device links now dangle, as in captures that recorded them without their targets.
        var r = new IommuGroupReader(t.Files);
        Assert.Equal(new[] { 2, 5 }, r.ListNumbers());
        var g = r.Read(2);
        Assert.Null(g.Type);
        Assert.Null(g.SysfsPath);
        Assert.Equal(3, g.Devices.Length);
        Assert.False(g.IsViable);
    }

    [Fact]
    public void No_iommu_means_no_groups()
    {
        using var t = new TempTree();
        t.Builder.Pci("0000:02:00.0");
        var r = new IommuGroupReader(t.Files);
        Assert.False(r.HasGroups);
        Assert.Empty(r.ListNumbers());
        Assert.Empty(r.ReadAll());
    }
}
