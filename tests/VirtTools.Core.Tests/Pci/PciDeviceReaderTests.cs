using VirtTools.Host;
using VirtTools.Pci;
using VirtTools.PciIds;
using VirtTools.Testing;

namespace VirtTools.Tests;

public class PciDeviceReaderTests
{
    private static readonly PciIdsDatabase Ids = PciIdsDatabase.Parse(
        "8086  Intel Corporation\n\t1592  Ethernet Controller E810-C for QSFP\n\t1889  Ethernet Adaptive Virtual Function\n" +
        "\t10d3  82574L Gigabit Network Connection\n\t\t8086 a01f  Gigabit CT Desktop Adapter\n\t1901  Root Port\n" +
        "C 02  Network controller\n\t00  Ethernet controller\nC 06  Bridge\n\t04  PCI bridge\n\t\t00  Normal decode\n");

    private static TempTree SriovHost()
    {
        var t = new TempTree();
        var b = t.Builder;
        b.Pci(new PciSpec { Address = "0000:00:01.0", Vendor = "8086", Device = "1901", Class = "060400", Driver = "pcieport", IommuGroup = 1 });
        b.Pci(new PciSpec
        {
            Address = "0000:01:00.0", Parent = "0000:00:01.0", Vendor = "8086", Device = "1592", SubsystemDevice = "0002",
            Driver = "ice", IommuGroup = 2, NumaNode = 1, LinkSpeed = "16.0 GT/s PCIe", LinkWidth = 16, ResetMethod = "flr bus", Revision = "02",
        });
        b.Sriov("0000:01:00.0", totalVfs: 128, numVfs: 12, vfDevice: "1889", vfDriver: "iavf", firstVfGroup: 10, offset: 8, stride: 1);
        b.Pci(new PciSpec { Address = "0000:02:00.0", Class = "020000", DriverOverride = "vfio-pci", Driver = "vfio-pci", IommuGroup = 3, BootVga = false });
        b.Proc("sys/kernel/osrelease", "6.4.0-150600.23-default\n");
        b.File("/lib/modules/6.4.0-150600.23-default/modules.alias",
            "# Aliases extracted from modules themselves.\n" +
            "alias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e\n" +
            "alias pci:v00008086d00001592sv*sd*bc*sc*i* ice\n" +
            "alias pci:v00008086d0000159[0-9]sv*sd*bc*sc*i* ice_like\n" +
            "alias pci:v*d*sv*sd*bc02sc00i* class_any\n" +
            "alias usb:v1234p* not_pci\n");
        b.File("/etc/driverctl.d/pci-0000:02:00.0", "vfio-pci\n");
        return t;
    }

    [Fact]
    public void Reads_a_full_device_from_a_synthetic_sriov_host()
    {
        using var t = SriovHost();
        var r = new PciDeviceReader(t.Files, Ids);
        var pf = r.Read(PciAddress.Parse("0000:01:00.0"));
        Assert.Empty(pf.Problems);
        Assert.Equal(("8086", "1592", "8086", "0002", "02"), (pf.VendorId, pf.DeviceId, pf.SubsystemVendorId, pf.SubsystemDeviceId, pf.Revision));
        Assert.Equal("020000", pf.ClassCode);
        Assert.Equal("Ethernet controller", pf.ClassName);
        Assert.Equal("Network controller", pf.BaseClassName);
        Assert.Equal("Intel Corporation", pf.VendorName);
        Assert.Equal("Ethernet Controller E810-C for QSFP", pf.DeviceName);
        Assert.Equal("Intel Corporation Device 0002", pf.SubsystemName);
        Assert.Equal("ice", pf.Driver);
        Assert.Null(pf.DriverOverride);
        Assert.Null(pf.PersistentDriverOverride);
        Assert.Equal(new[] { "ice", "ice_like", "class_any" }, pf.KernelModules);
        Assert.Equal(2, pf.IommuGroup);
        Assert.Equal(1, pf.NumaNode);
        Assert.False(pf.IsBridge);
        Assert.Null(pf.BootVga);
        Assert.Equal(128, pf.SriovTotalVfs);
        Assert.Equal(12, pf.SriovNumVfs);
        Assert.False(pf.IsVirtualFunction);
        Assert.Null(pf.PhysicalFunction);
        // virtfn10 and virtfn11 must follow virtfn9, not virtfn1.
        Assert.Equal(12, pf.VirtualFunctions.Length);
        Assert.Equal("0000:01:01.0", pf.VirtualFunctions[0]);
        Assert.Equal("0000:01:01.7", pf.VirtualFunctions[7]);
        Assert.Equal("0000:01:02.2", pf.VirtualFunctions[10]);
        Assert.Equal("0000:01:02.3", pf.VirtualFunctions[11]);
        Assert.Equal("16.0 GT/s PCIe", pf.CurrentLinkSpeed);
        Assert.Equal(16, pf.MaxLinkWidth);
        Assert.Equal(new[] { "flr", "bus" }, pf.ResetMethods);
        Assert.Equal("0000:00:01.0", pf.ParentBridge);
        Assert.Equal("/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0", pf.SysfsPath);

        var vf = r.Read(PciAddress.Parse("0000:01:02.3"));
        Assert.True(vf.IsVirtualFunction);
        Assert.Equal("0000:01:00.0", vf.PhysicalFunction);
        Assert.Null(vf.SriovTotalVfs);
        Assert.Equal("Ethernet Adaptive Virtual Function", vf.DeviceName);
        Assert.Equal("iavf", vf.Driver);
        Assert.Equal(21, vf.IommuGroup);
        Assert.Null(vf.NumaNode);

        var bridge = r.Read(PciAddress.Parse("0000:00:01.0"));
        Assert.True(bridge.IsBridge);
        Assert.Equal("PCI bridge", bridge.ClassName);
        Assert.Equal("Normal decode", bridge.ProgrammingInterfaceName);
        Assert.Null(bridge.ParentBridge);
        Assert.Equal("8086", bridge.SubsystemVendorId); // from sysfs: a type-1 header has no subsystem fields

        var e1000 = r.Read(PciAddress.Parse("0000:02:00.0"));
        Assert.Equal("vfio-pci", e1000.DriverOverride);
        Assert.Equal("vfio-pci", e1000.PersistentDriverOverride);
        Assert.Equal("Intel Corporation Gigabit CT Desktop Adapter", e1000.SubsystemName);
        Assert.Equal(new[] { "e1000e", "class_any" }, e1000.KernelModules);
        Assert.False(e1000.BootVga);
    }

    [Fact]
    public void Lists_every_function_sorted_and_reads_them_all()
    {
        using var t = SriovHost();
        var r = new PciDeviceReader(t.Files, Ids);
        var all = r.ReadAll().ToList();
        Assert.Equal(15, all.Count);
        Assert.Equal(all.Select(d => d.Address).Order(StringComparer.Ordinal), all.Select(d => d.Address));
        Assert.All(all, d => Assert.Empty(d.Problems));
    }

    /// <summary>Above the parallel threshold.</summary>
    private static TempTree PfWith140Vfs()
    {
        var t = new TempTree();
        t.Builder.Pci(new PciSpec { Address = "0000:01:00.0", Vendor = "8086", Device = "1592", Driver = "ice", IommuGroup = 1 });
        t.Builder.Sriov("0000:01:00.0", 256, 140, "1889", vfDriver: "iavf", firstVfGroup: 10, offset: 8, stride: 1);
        return t;
    }

    [Fact]
    public void Parallel_batches_give_the_same_devices_in_the_same_order_as_one_by_one()
    {
        using var t = PfWith140Vfs();
        var r = new PciDeviceReader(t.Files, Ids);
        var all = r.ReadAll().ToList(); // above the parallel threshold
        var addresses = r.ListAddresses().ToList();
        Assert.Equal(141, all.Count);
        Assert.Equal(addresses.Select(a => a.ToString()), all.Select(d => d.Address));
        var one = addresses.Select(r.Read).ToList();
        Assert.Equal(one.Select(d => (d.Address, d.Driver, d.IommuGroup, d.PhysicalFunction, d.DeviceName, d.SysfsPath, d.ParentBridge, d.NumaNode)),
            all.Select(d => (d.Address, d.Driver, d.IommuGroup, d.PhysicalFunction, d.DeviceName, d.SysfsPath, d.ParentBridge, d.NumaNode)));
        Assert.Equal(140, all[0].VirtualFunctions.Length);
    }

    [Fact]
    public void A_listing_stopped_after_the_first_device_closes_what_it_opened()
    {
        using var t = PfWith140Vfs();
        var r = new PciDeviceReader(t.Files, Ids);
        static int OpenFds() => Directory.GetFileSystemEntries("/proc/self/fd").Length; // descriptors of directories too
        var before = OpenFds();
        // Select-Object -First 1: each listing keeps descriptors for the devices directory and the
        // parents, and a batch may still be running on them when the consumer stops.
        for (var i = 0; i < 50; i++) Assert.Equal("0000:01:00.0", r.ReadAll().First().Address);
        // Other tests open files meanwhile; a leak would be 100 or more.
        Assert.InRange(OpenFds() - before, int.MinValue, 40);
    }

    [Fact]
    public void Text_files_give_the_same_identity_as_the_config_header()
    {
        using var t = new TempTree();
        var spec = new PciSpec { Address = "0000:05:00.0", Vendor = "8086", Device = "10d3", Revision = "1f", Class = "020000" };
        t.Builder.Pci(spec);
        t.Builder.Pci(spec with { Address = "0000:06:00.0", WriteConfig = false });
        var r = new PciDeviceReader(t.Files, Ids);
        var a = r.Read(PciAddress.Parse("0000:05:00.0"));
        var b = r.Read(PciAddress.Parse("0000:06:00.0"));
        Assert.Equal((a.VendorId, a.DeviceId, a.SubsystemVendorId, a.SubsystemDeviceId, a.Revision, a.ClassCode, a.IsBridge),
            (b.VendorId, b.DeviceId, b.SubsystemVendorId, b.SubsystemDeviceId, b.Revision, b.ClassCode, b.IsBridge));
        Assert.Equal("1f", b.Revision);
        Assert.Empty(b.Problems);
    }

    [Fact]
    public void Without_modules_alias_or_osrelease_kernel_modules_are_empty()
    {
        using var t = new TempTree();
        t.Builder.Pci("0000:05:00.0");
        var d = new PciDeviceReader(t.Files, Ids).Read(PciAddress.Parse("0000:05:00.0"));
        Assert.Empty(d.KernelModules);
        Assert.Empty(d.Problems);
    }

    [Fact]
    public void Garbage_and_missing_files_are_marked_unknown_and_do_not_hide_other_devices()
    {
        using var t = new TempTree();
        var b = t.Builder;
        b.Pci(new PciSpec { Address = "0000:05:00.0", WriteConfig = false });
        b.File(b.DeviceDir("0000:05:00.0") + "/vendor", "not-hex\n");
        b.File(b.DeviceDir("0000:05:00.0") + "/numa_node", "banana\n");
        File.Delete(b.OnDisk(b.DeviceDir("0000:05:00.0") + "/class"));
        b.Pci("0000:06:00.0");
        var r = new PciDeviceReader(t.Files, Ids);
        var all = r.ReadAll().ToList();
        Assert.Equal(2, all.Count);
        var bad = all[0];
        Assert.Null(bad.VendorId);
        Assert.Null(bad.VendorName);
        Assert.Null(bad.ClassCode);
        Assert.Null(bad.NumaNode);
        Assert.Equal("10d3", bad.DeviceId);
        Assert.Contains(bad.Problems, p => p.StartsWith("vendor: unexpected content 'not-hex'"));
        Assert.Contains(bad.Problems, p => p.StartsWith("numa_node: unexpected content"));
        Assert.Contains(bad.Problems, p => p == "class: missing");
        Assert.Empty(all[1].Problems);
        Assert.Equal("8086", all[1].VendorId);
    }

    [Fact]
    public void Unreadable_config_falls_back_to_text_files_and_says_so()
    {
        using var t = new TempTree();
        t.Builder.Pci("0000:05:00.0");
        var fs = new FaultyFileSystem(t.Root, p => p.EndsWith("/config") ? Errno.EACCES : null);
        var d = new PciDeviceReader(fs, Ids).Read(PciAddress.Parse("0000:05:00.0"));
        Assert.Equal("10d3", d.DeviceId);
        Assert.Equal("020000", d.ClassCode);
        Assert.Contains("config: Permission denied", d.Problems);
    }

    [Fact]
    public void Unreadable_attribute_is_null_with_a_problem()
    {
        using var t = new TempTree();
        t.Builder.Pci(new PciSpec { Address = "0000:05:00.0", DriverOverride = "vfio-pci" });
        var fs = new FaultyFileSystem(t.Root, p => p.EndsWith("/driver_override") ? Errno.EIO : null);
        var d = new PciDeviceReader(fs, Ids).Read(PciAddress.Parse("0000:05:00.0"));
        Assert.Null(d.DriverOverride);
        Assert.Contains("driver_override: Input/output error", d.Problems);
    }

    [Fact]
    public void All_ones_config_means_the_device_did_not_answer()
    {
        using var t = new TempTree();
        t.Builder.Pci("0000:05:00.0");
        t.Builder.Bytes(t.Builder.DeviceDir("0000:05:00.0") + "/config", Enumerable.Repeat((byte)0xff, 64).ToArray());
        var d = new PciDeviceReader(t.Files, Ids).Read(PciAddress.Parse("0000:05:00.0"));
        Assert.Equal("8086", d.VendorId); // from the text files
        Assert.Contains(d.Problems, p => p.Contains("all ones"));
    }

    [Fact]
    public void Dangling_device_link_gives_a_device_with_a_problem_not_an_exception()
    {
        using var t = new TempTree();
        t.Builder.Pci("0000:05:00.0");
        t.Builder.Link("/sys/bus/pci/devices/0000:07:00.0", "/sys/devices/pci0000:07/0000:07:00.0");
        var r = new PciDeviceReader(t.Files, Ids);
        var all = r.ReadAll().ToList();
        Assert.Equal(2, all.Count);
        Assert.True(r.Exists(PciAddress.Parse("0000:07:00.0")));
        Assert.Contains(all[1].Problems, p => p.Contains("dangling link"));
        Assert.Null(all[1].VendorId);
        Assert.Empty(all[0].Problems);
    }

    [Theory]
    [InlineData("0000:05:00.0", null)]
    [InlineData("05:00.0", null)]
    [InlineData("pci_0000_05_00_0", null)]
    [InlineData("0000:09:00.0", "PciDeviceNotFound")]
    [InlineData("05:00", "InvalidPciAddress")]
    public void Find_takes_user_forms_and_names_the_failure(string text, string? errorId)
    {
        using var t = new TempTree();
        t.Builder.Pci("0000:05:00.0");
        var r = new PciDeviceReader(t.Files, Ids);
        if (errorId is null) Assert.Equal("0000:05:00.0", r.Find(text).ToString());
        else Assert.Equal(errorId, Assert.Throws<VirtToolsException>(() => r.Find(text)).ErrorId);
    }

    [Fact]
    public void Missing_root_is_HostRootNotFound()
    {
        var e = Assert.Throws<VirtToolsException>(() => HostContext.EnsureRoot(new DiskFileSystem("/nonexistent/vt-root")));
        Assert.Equal("HostRootNotFound", e.ErrorId);
        Assert.Equal(FailureKind.ObjectNotFound, e.Kind);
    }

    [Fact]
    public void Root_without_pci_bus_lists_nothing()
    {
        using var t = new TempTree();
        Directory.Delete(t.Builder.OnDisk("/sys/bus/pci"), true);
        Assert.Empty(new PciDeviceReader(t.Files, Ids).ReadAll());
    }

    [Theory]
    [InlineData("Network", "020000", true)]
    [InlineData("network", "028000", true)]
    [InlineData("Display", "030000", true)]
    [InlineData("Serial", "0c0330", true)]
    [InlineData("Storage", "010802", true)]
    [InlineData("Storage", "020000", false)]
    [InlineData("Other", "ff0000", true)]
    [InlineData("02", "020000", true)]
    [InlineData("0c03", "0c0330", true)]
    [InlineData("0c0330", "0c0320", false)]
    public void Class_filter_accepts_names_and_prefixes(string filter, string code, bool expected) =>
        Assert.Equal(expected, PciClassFilter.Parse(filter)(code));

    [Theory]
    [InlineData("Networks")]
    [InlineData("2")]
    [InlineData("zz")]
    public void Class_filter_rejects_the_rest(string filter) =>
        Assert.Equal("InvalidPciClass", Assert.Throws<VirtToolsException>(() => PciClassFilter.Parse(filter)).ErrorId);

    [Theory]
    [InlineData("pci:v00008086d000010D3sv*sd*bc*sc*i*", "pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00", true)]
    [InlineData("pci:v00008086d000010D3sv*sd*bc*sc*i*", "pci:v00008086d000010D4sv00008086sd0000A01Fbc02sc00i00", false)]
    [InlineData("pci:v*d*sv*sd*bc0Csc03i30*", "pci:v00001033d00000194sv00001033sd00000194bc0Csc03i30", true)]
    [InlineData("pci:v0000159[0-9]d*", "pci:v00001593d00000000", true)]
    [InlineData("pci:v0000159[!0-9]d*", "pci:v00001593d00000000", false)]
    [InlineData("pci:v?0008086d*", "pci:v00008086d0", true)]
    public void Module_alias_globs_like_fnmatch(string pattern, string modalias, bool expected) =>
        Assert.Equal(expected, Glob.IsMatch(pattern, modalias));

    [Fact]
    public void Modalias_is_the_kernel_format() =>
        Assert.Equal("pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00", ModuleAliasIndex.Modalias(0x8086, 0x10d3, 0x8086, 0xa01f, 0x020000));
}
