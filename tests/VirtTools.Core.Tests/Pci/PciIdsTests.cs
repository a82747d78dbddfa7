using VirtTools.Host;
using VirtTools.PciIds;

namespace VirtTools.Tests;

public class PciIdsTests
{
    private const string Sample =
        "# comment\n" +
        "8086  Intel Corporation\n" +
        "\t10d3  82574L Gigabit Network Connection\n" +
        "\t\t8086 a01f  Gigabit CT Desktop Adapter\n" +
        "#\tcommented device\n" +
        "\t1592  Ethernet Controller E810-C for QSFP\n" +
        "\t\t8086 0002  Ethernet Network Adapter E810-C-Q2\n" +
        "1af4  Red Hat, Inc.\n" +
        "\t1000  Virtio network device\n" +
        "C 01  Mass storage controller\n" +
        "\t08  Non-Volatile memory controller\n" +
        "\t\t02  NVM Express\n" +
        "C 02  Network controller\n" +
        "\t00  Ethernet controller\n";

    [Fact]
    public void Finds_vendor_device_subsystem_and_class_names()
    {
        var db = PciIdsDatabase.Parse(Sample);
        Assert.Equal(2, db.VendorCount);
        Assert.Equal("Intel Corporation", db.VendorName(0x8086));
        Assert.Equal("82574L Gigabit Network Connection", db.DeviceName(0x8086, 0x10d3));
        Assert.Equal("Ethernet Controller E810-C for QSFP", db.DeviceName(0x8086, 0x1592));
        Assert.Equal("Gigabit CT Desktop Adapter", db.SubsystemName(0x8086, 0x10d3, 0x8086, 0xa01f));
        Assert.Equal("Ethernet Network Adapter E810-C-Q2", db.SubsystemName(0x8086, 0x1592, 0x8086, 0x0002));
        Assert.Null(db.SubsystemName(0x8086, 0x10d3, 0x8086, 0x0002));
        Assert.Equal("Virtio network device", db.DeviceName(0x1af4, 0x1000));
        Assert.Null(db.DeviceName(0x1af4, 0x1041));
        Assert.Null(db.VendorName(0x10de));
        Assert.Equal("Mass storage controller", db.ClassName(0x01));
        Assert.Equal("Non-Volatile memory controller", db.SubclassName(0x01, 0x08));
        Assert.Equal("NVM Express", db.ProgIfName(0x01, 0x08, 0x02));
        Assert.Equal("Ethernet controller", db.SubclassName(0x02, 0x00));
        Assert.Null(db.SubclassName(0x02, 0x80));
    }

    [Fact]
    public void Reads_the_system_database_through_the_root_and_caches_it()
    {
        using var t = new TempTree();
        t.Builder.File("/usr/share/hwdata/pci.ids", Sample);
        var a = PciIdsDatabase.Load(t.Files);
        var b = PciIdsDatabase.Load(new DiskFileSystem(t.Root));
        Assert.Same(a, b);
        Assert.Equal("/usr/share/hwdata/pci.ids", a.Path);
        Assert.Equal(2, a.VendorCount);

        // A changed file (size and mtime) is a new cache entry.
        t.Builder.File("/usr/share/hwdata/pci.ids", Sample + "10de  NVIDIA Corporation\n");
        File.SetLastWriteTimeUtc(t.Builder.OnDisk("/usr/share/hwdata/pci.ids"), DateTime.UtcNow.AddMinutes(1));
        var c = PciIdsDatabase.Load(t.Files);
        Assert.NotSame(a, c);
        Assert.Equal("NVIDIA Corporation", c.VendorName(0x10de));
    }

    [Fact]
    public void Misc_path_wins_over_hwdata_like_pciutils()
    {
        using var t = new TempTree();
        t.Builder.File("/usr/share/hwdata/pci.ids", "1234  Hwdata Vendor\n");
        t.Builder.File("/usr/share/misc/pci.ids", "1234  Misc Vendor\n");
        Assert.Equal("Misc Vendor", PciIdsDatabase.Load(t.Files).VendorName(0x1234));
    }

    [Fact]
    public void Real_pci_ids_parses_completely()
    {
        const string path = "/usr/share/misc/pci.ids";
        if (!File.Exists(path)) return; // no system database on this machine: nothing to check
        var db = PciIdsDatabase.Parse(File.ReadAllText(path), path);
        Assert.True(db.VendorCount > 2000);
        Assert.Equal("Intel Corporation", db.VendorName(0x8086));
        Assert.Equal("82574L Gigabit Network Connection", db.DeviceName(0x8086, 0x10d3));
        Assert.Equal("NVM Express", db.ProgIfName(0x01, 0x08, 0x02));
        Assert.Equal("Unassigned class", db.ClassName(0xff));
        Assert.Equal("Illegal Vendor ID", db.VendorName(0xffff));
    }
}
