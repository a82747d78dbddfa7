using VirtTools.Host;
using VirtTools.Iommu;
using VirtTools.Pci;
using VirtTools.Testing;

namespace VirtTools.Tests;

/// <summary>The reader against sysfs trees recorded on real machines (tests/fixtures).</summary>
public class PciRecordedTreeTests
{
    private static List<PciDevice> ReadAll(string root) => new PciDeviceReader(new DiskFileSystem(root)).ReadAll().ToList();

    [Fact]
    public void Hwloc_xeon_with_x722_pfs()
    {
        var all = ReadAll(Fixtures.Root("hwloc/32intel64-2p8co2t+8ve.tar.bz2"));
        Assert.Equal(28, all.Count);
        Assert.All(all, d => Assert.Empty(d.Problems));
        var pf = all.Single(d => d.Address == "0000:60:00.0");
        Assert.Equal(("8086", "37d2", "i40e", 64, 0), (pf.VendorId, pf.DeviceId, pf.Driver, pf.SriovTotalVfs, pf.SriovNumVfs));
        Assert.Equal("15d9", pf.SubsystemVendorId);
        Assert.Equal("09", pf.Revision);
        Assert.Null(pf.DriverOverride); // recorded as "(null)"
        Assert.Equal(0, pf.NumaNode);
        Assert.Equal("0000:5f:03.0", pf.ParentBridge);
        Assert.Equal("8 GT/s", pf.MaxLinkSpeed);
        Assert.Null(pf.IommuGroup); // hwloc does not record iommu_group links
        Assert.Equal(2, all.Count(d => d.SriovTotalVfs is not null));
        Assert.Equal(8, all.Count(d => d.Driver == "ve_drv"));
        Assert.All(all.Where(d => d.ClassCode!.StartsWith("0604")), d => Assert.True(d.IsBridge));
    }

    [Fact]
    public void Hwloc_qemu_guest_with_a_32_bit_domain()
    {
        var all = ReadAll(Fixtures.Root("hwloc/2pa-pcidomain32bits.tar.bz2"));
        Assert.NotEmpty(all);
        Assert.Contains(all, d => d.Domain == 0x10000 && d.Address.StartsWith("10000:"));
        Assert.All(all, d => Assert.NotNull(d.VendorId));
    }

    [Fact]
    public void Ghw_laptop_iommu_groups_come_from_device_links()
    {
        var root = Fixtures.Root("ghw/linux-amd64-415ee03b8c4d1c4f07ae2e9d8b3d3d6d.tar.gz");
        var all = ReadAll(root);
        Assert.Equal(23, all.Count);
        Assert.All(all, d => Assert.NotNull(d.IommuGroup));
        var groups = new IommuGroupReader(new DiskFileSystem(root)).ReadAll().ToList();
        Assert.Equal(all.Select(d => d.IommuGroup!.Value).Distinct().Count(), groups.Count);
        Assert.Equal(all.Count, groups.Sum(g => g.Devices.Length));
        Assert.All(groups, g => Assert.Null(g.Type)); // no /sys/kernel/iommu_groups in the capture
        // A laptop with every device on its host driver: only bridge-only or driverless groups are ready.
        foreach (var g in groups)
            Assert.Equal(g.Devices.All(m => m.IsBridge || m.Driver is null || IommuGroupReader.IsDmaSafeDriver(m.Driver) || m.Driver == "pcieport"), g.IsReady);
        Assert.Contains(groups, g => !g.IsViable);
    }

    [Fact]
    public void Ghw_r610_with_igb_virtual_functions()
    {
        var all = ReadAll(Fixtures.Root("ghw/linux-amd64-8581cf3a529e5d8b97ea876eade2f60d.tar.gz"));
        Assert.Equal(8, all.Count(d => d.Driver == "igbvf" && d.DeviceId == "1520"));
        Assert.Equal(2, all.Count(d => d.Driver == "igb" && d.DeviceId == "1521"));
    }

    [Fact]
    public void Prometheus_ttar_tree_with_an_e810_pf()
    {
        var root = Path.Combine(Ttar.ExtractFixture("prometheus-procfs/fixtures.ttar"), "fixtures");
        var all = ReadAll(root);
        Assert.Equal(3, all.Count);
        Assert.Contains(all, d => d.SriovTotalVfs == 128 && d.SriovNumVfs == 0);
        Assert.Contains(all, d => d.IommuGroup is not null);
    }
}
