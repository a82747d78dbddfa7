using System.Reflection;
using VirtTools.Host;
using VirtTools.Pci;
using VirtTools.PciIds;
using VirtTools.Testing;

namespace VirtTools.Tests;

/// <summary>
/// Issue 22: a listing derives a PF's VF list from sriov_offset/sriov_stride and its VFs' physfn links
/// instead of reading every virtfnN link, and reads a VF's attributes by trying them instead of listing
/// its directory. Neither may change a single property.
/// </summary>
public class PciVfListTests
{
    private static readonly PciIdsDatabase Ids = PciIdsDatabase.Parse("8086  Intel Corporation\n\t1592  E810\n\t1889  AVF\n");

    /// <summary>The path form (an exact DiskFileSystem is read through descriptors), counting the virtfnN link reads.</summary>
    private sealed class CountingFiles : DiskFileSystem
    {
        public CountingFiles(string root) : base(root) { }

        public int VirtfnReads;

        public override string? ReadLink(string path)
        {
            if (Path.GetFileName(path).StartsWith("virtfn", StringComparison.Ordinal)) Interlocked.Increment(ref VirtfnReads);
            return base.ReadLink(path);
        }
    }

    private const string Pf = "0000:01:00.0";
    private const string OtherPf = "0000:40:00.0";

    /// <param name="vfs">140 is above the parallel threshold, 12 below it.</param>
    private static TempTree Tree(int vfs, int offset = 8, int stride = 1)
    {
        var t = new TempTree();
        var b = t.Builder;
        b.Pci(new PciSpec { Address = Pf, Device = "1592", Driver = "ice", IommuGroup = 1 });
        b.Sriov(Pf, 256, vfs, "1889", vfDriver: "iavf", firstVfGroup: 10, offset: offset, stride: stride);
        b.Pci(new PciSpec { Address = OtherPf, Device = "1592", Driver = "ice", IommuGroup = 2 });
        b.Sriov(OtherPf, 8, 2, "1889", vfDriver: "iavf", firstVfGroup: 1000);
        return t;
    }

    private static string[] Expected(TempTree t, string pf, int n) => Enumerable.Range(0, n).Select(i => t.Builder.VfAddress(pf, i)).ToArray();

    private static PciDevice PfOf(IEnumerable<PciDevice> all, string pf = Pf) => all.Single(d => d.Address == pf);

    [Theory]
    [InlineData(12, 8, 1)]
    [InlineData(140, 8, 1)]
    [InlineData(12, 128, 2)]
    [InlineData(140, 3, 3)]
    public void A_listing_takes_the_vf_list_from_offset_and_stride_without_reading_a_link(int vfs, int offset, int stride)
    {
        using var t = Tree(vfs, offset, stride);
        var fs = new CountingFiles(t.Root);
        var all = new PciDeviceReader(fs, Ids).ReadAll().ToList();
        Assert.Equal(Expected(t, Pf, vfs), PfOf(all).VirtualFunctions);
        Assert.Equal(Expected(t, OtherPf, 2), PfOf(all, OtherPf).VirtualFunctions);
        Assert.Equal(0, fs.VirtfnReads);
        // The same as one device read alone, which reads the links.
        var alone = new PciDeviceReader(fs, Ids).Read(PciAddress.Parse(Pf));
        Assert.Equal(vfs, fs.VirtfnReads);
        Assert.Equal(alone.VirtualFunctions, PfOf(all).VirtualFunctions);
    }

    [Theory]
    [InlineData(12)]
    [InlineData(140)]
    public void Through_descriptors_the_derived_list_is_what_the_links_say(int vfs)
    {
        using var t = Tree(vfs);
        // Regular files named virtfnN: a listing still sees them, a link read finds no target ("").
        // The derived list cannot come from them.
        var derived = PfOf(new PciDeviceReader(t.Files, Ids).ReadAll()).VirtualFunctions;
        Assert.Equal(Expected(t, Pf, vfs), derived);
        for (var i = 0; i < vfs; i++)
        {
            var link = t.Builder.OnDisk(t.Builder.DeviceDir(Pf) + "/virtfn" + i);
            File.Delete(link);
            File.WriteAllText(link, "");
        }
        Assert.Equal(Expected(t, Pf, vfs), PfOf(new PciDeviceReader(t.Files, Ids).ReadAll()).VirtualFunctions);
        Assert.All(new PciDeviceReader(t.Files, Ids).Read(PciAddress.Parse(Pf)).VirtualFunctions, Assert.Empty);
    }

    /// <summary>Each way the sum can fail: the list is then the links', read from the PF.</summary>
    public static TheoryData<string, int> Disagreements => new()
    {
        { "offset", 12 }, { "offset", 140 },
        { "physfn", 12 }, { "physfn", 140 },
        { "numvfs", 12 }, { "numvfs", 140 },
        { "unlisted", 12 }, { "unlisted", 140 },
        { "stride", 12 },
        { "unreadable", 12 },
    };

    [Theory]
    [MemberData(nameof(Disagreements))]
    public void Whenever_the_sum_disagrees_the_links_are_read(string what, int vfs)
    {
        using var t = Tree(vfs);
        var b = t.Builder;
        var pfDir = b.DeviceDir(Pf);
        var expected = Expected(t, Pf, vfs);
        switch (what)
        {
            case "offset":
                // One more than the truth: VF n's sum lands on VF n+1 (a VF of this PF), the last on nothing.
                b.File(pfDir + "/sriov_offset", "9\n");
                break;
            case "stride":
                b.File(pfDir + "/sriov_stride", "0\n");
                break;
            case "unreadable":
                b.File(pfDir + "/sriov_offset", "eight\n");
                break;
            case "physfn":
                // VF 5 names the other PF; the PF's virtfn5 still leads to it.
                b.Link(b.DeviceDir(expected[5]) + "/physfn", b.DeviceDir(OtherPf));
                break;
            case "numvfs":
                b.File(pfDir + "/sriov_numvfs", vfs - 1 + "\n");
                break;
            case "unlisted":
                // VF 7 left /sys/bus/pci/devices (going away) while the PF's virtfn7 still points at it.
                File.Delete(b.OnDisk("/sys/bus/pci/devices/" + expected[7]));
                break;
        }
        var fs = new CountingFiles(t.Root);
        var all = new PciDeviceReader(fs, Ids).ReadAll().ToList();
        Assert.Equal(vfs, fs.VirtfnReads);
        Assert.Equal(expected, PfOf(all).VirtualFunctions);
        if (what == "physfn") Assert.Equal(OtherPf, all.Single(d => d.Address == expected[5]).PhysicalFunction);
        // The descriptor form falls back the same way.
        Assert.Equal(expected, PfOf(new PciDeviceReader(t.Files, Ids).ReadAll()).VirtualFunctions);
        // The other PF is untouched by this one's trouble.
        Assert.Equal(Expected(t, OtherPf, 2), PfOf(all, OtherPf).VirtualFunctions);
    }

    [Fact]
    public void A_pf_read_without_its_vfs_reads_its_links()
    {
        using var t = Tree(140);
        var fs = new CountingFiles(t.Root);
        var r = new PciDeviceReader(fs, Ids);
        // Get-PciDevice -Address of the PF, or a filter that leaves its VFs out.
        var pfs = r.Read(new[] { PciAddress.Parse(Pf), PciAddress.Parse(OtherPf) }).ToList();
        Assert.Equal(142, fs.VirtfnReads);
        Assert.Equal(Expected(t, Pf, 140), pfs[0].VirtualFunctions);
        // Some VFs listed but not all.
        fs.VirtfnReads = 0;
        var some = new[] { Pf }.Concat(Expected(t, Pf, 140).Take(139)).Select(PciAddress.Parse).ToList();
        var partial = r.Read(some).ToList();
        Assert.Equal(140, fs.VirtfnReads);
        Assert.Equal(Expected(t, Pf, 140), partial[0].VirtualFunctions);
    }

    [Fact]
    public void A_bus_number_past_255_reads_the_links()
    {
        using var t = new TempTree();
        var b = t.Builder;
        // The PF's routing ID ff:1f.7 + 1 wraps; the kernel refuses such VFs, a recorded tree may still hold a link.
        const string pf = "0000:ff:1f.7", vf = "0000:00:00.0";
        b.Pci(new PciSpec { Address = pf, Device = "1592" });
        b.Sriov(pf, 4, 0, "1889", offset: 1, stride: 1);
        b.File(b.DeviceDir(pf) + "/sriov_numvfs", "1\n");
        b.Pci(new PciSpec { Address = vf, Device = "1889" });
        b.Link(b.DeviceDir(pf) + "/virtfn0", b.DeviceDir(vf));
        b.Link(b.DeviceDir(vf) + "/physfn", b.DeviceDir(pf));
        var fs = new CountingFiles(t.Root);
        var all = new PciDeviceReader(fs, Ids).ReadAll().ToList();
        Assert.Equal(1, fs.VirtfnReads);
        Assert.Equal(new[] { vf }, PfOf(all, pf).VirtualFunctions);
    }

    [Fact]
    public void A_pf_listed_after_its_vfs_and_a_listing_stopped_early_both_work()
    {
        using var t = Tree(140);
        var fs = new CountingFiles(t.Root);
        var r = new PciDeviceReader(fs, Ids);
        var order = Expected(t, Pf, 140).Reverse().Append(Pf).Select(PciAddress.Parse).ToList();
        var all = r.Read(order).ToList();
        Assert.Equal(order.Select(a => a.ToString()), all.Select(d => d.Address));
        Assert.Equal(Expected(t, Pf, 140), all[^1].VirtualFunctions);
        Assert.Equal(0, fs.VirtfnReads);
        // The PF waits for its VFs' batch; the first device still comes, with its list.
        var first = r.ReadAll().First();
        Assert.Equal(Pf, first.Address);
        Assert.Equal(Expected(t, Pf, 140), first.VirtualFunctions);
    }

    // ---- Trying a VF's attributes instead of listing its directory ----

    /// <summary>Every property as text, arrays joined, for whole-device comparisons.</summary>
    private static string Dump(PciDevice d) => string.Join("\n", typeof(PciDevice).GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => p.Name + "=" + (p.GetValue(d) switch { string[] a => "[" + string.Join(",", a) + "]", null => "<null>", var v => v.ToString() })));

    /// <summary>The descriptor form (which tries a VF's attributes) against the path form (which lists every directory).</summary>
    private static void SameBothWays(string root, int minDevices)
    {
        var ids = Ids;
        var fd = new PciDeviceReader(new DiskFileSystem(root), ids).ReadAll().Select(Dump).ToList();
        var path = new PciDeviceReader(new CountingFiles(root), ids).ReadAll().Select(Dump).ToList();
        Assert.True(fd.Count >= minDevices, $"{fd.Count} devices under {root}");
        Assert.Equal(path, fd);
    }

    [Fact]
    public void Vfs_with_odd_attributes_read_the_same_tried_as_listed()
    {
        using var t = Tree(12);
        var b = t.Builder;
        string Vf(int i) => b.DeviceDir(b.VfAddress(Pf, i));
        // A VGA-class VF with boot_vga (GPU VFs), a VF with the four link attributes (the kernel shows
        // them together, on PCIe functions), one without driver, group, numa_node, driver_override or
        // reset_method, one without config (ids from the text files), one missing a required id file,
        // one whose iommu_group is no link, and one with a garbage numa_node.
        b.File(Vf(0) + "/class", "0x030000\n");
        b.File(Vf(0) + "/boot_vga", "0\n");
        File.Delete(b.OnDisk(Vf(0) + "/config"));
        foreach (var (f, v) in new[] { ("current_link_speed", "16.0 GT/s PCIe"), ("current_link_width", "16"), ("max_link_speed", "32.0 GT/s PCIe"), ("max_link_width", "16") })
            b.File(Vf(1) + "/" + f, v + "\n");
        foreach (var f in new[] { "driver", "iommu_group", "numa_node", "reset_method", "driver_override" })
            File.Delete(b.OnDisk(Vf(3) + "/" + f));
        File.Delete(b.OnDisk(Vf(4) + "/config"));
        File.Delete(b.OnDisk(Vf(5) + "/config"));
        File.Delete(b.OnDisk(Vf(5) + "/revision"));
        File.Delete(b.OnDisk(Vf(6) + "/iommu_group"));
        b.File(Vf(6) + "/iommu_group", "7\n");
        b.File(Vf(7) + "/numa_node", "banana\n");
        SameBothWays(t.Root, 15);
        var all = new PciDeviceReader(t.Files, Ids).ReadAll().ToList();
        PciDevice At(int i) => all.Single(d => d.Address == b.VfAddress(Pf, i));
        Assert.False(At(0).BootVga);
        Assert.Equal("030000", At(0).ClassCode);
        Assert.Equal((16, "32.0 GT/s PCIe"), (At(1).CurrentLinkWidth, At(1).MaxLinkSpeed));
        Assert.Equal((null, null, null), (At(3).Driver, At(3).IommuGroup, At(3).NumaNode));
        Assert.Empty(At(3).Problems);
        Assert.Equal("1889", At(4).DeviceId);
        Assert.Contains("revision: missing", At(5).Problems);
        Assert.Contains(At(6).Problems, p => p.StartsWith("iommu_group: link to ''", StringComparison.Ordinal));
        Assert.Contains(At(7).Problems, p => p.StartsWith("numa_node: unexpected content", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(LspciAgreementTests.RecordedTrees), MemberType = typeof(LspciAgreementTests))]
    public void Recorded_trees_read_the_same_tried_as_listed(string fixture)
    {
        var root = fixture.EndsWith(".ttar", StringComparison.Ordinal)
            ? Path.Combine(Ttar.ExtractFixture(fixture), "fixtures")
            : Fixtures.Root(fixture);
        SameBothWays(root, 3);
    }
}
