using VirtTools.Capability;
using VirtTools.Pci;
using VirtTools.PciIds;
using VirtTools.Requirements;
using VirtTools.Testing;

namespace VirtTools.Tests;

/// <summary>Corrupted values: left null, with a Problems entry, never passed on as if they were data.</summary>
public class CorruptedValueTests
{
    [Fact]
    public void A_negative_sriov_numvfs_is_null_with_a_problem()
    {
        using var t = new TempTree();
        t.Builder.Pci("0000:01:00.0", driver: "ice");
        var dir = t.Builder.DeviceDir("0000:01:00.0");
        t.Builder.File(dir + "/sriov_totalvfs", "-4\n").File(dir + "/sriov_numvfs", "-1\n");
        var d = new PciDeviceReader(t.Files).Read(PciAddress.Parse("0000:01:00.0"));
        Assert.Null(d.SriovNumVfs);
        Assert.Null(d.SriovTotalVfs);
        Assert.Contains(d.Problems, p => p.StartsWith("sriov_numvfs: unexpected content '-1'"));
        Assert.Contains(d.Problems, p => p.StartsWith("sriov_totalvfs:"));
    }

    [Fact]
    public void A_binary_driver_override_is_null_with_a_problem_that_shows_the_bytes()
    {
        using var t = new TempTree();
        t.Builder.Pci("0000:01:00.0", driver: "e1000e");
        t.Builder.Bytes(t.Builder.DeviceDir("0000:01:00.0") + "/driver_override", new byte[] { 0x76, 0x66, 0x00, 0xff, 0xfe, 0x0a });
        var d = new PciDeviceReader(t.Files).Read(PciAddress.Parse("0000:01:00.0"));
        Assert.Null(d.DriverOverride);
        var p = Assert.Single(d.Problems, x => x.StartsWith("driver_override:"));
        Assert.DoesNotContain('\uFFFD', p);
        Assert.DoesNotContain('\0', p);
        Assert.Contains("\\x00", p);
    }

    [Fact]
    public void A_blank_class_name_in_pci_ids_is_not_passed_on()
    {
        using var t = new TempTree();
        t.Builder.Pci("0000:01:00.0", classCode: "020000");
        var ids = PciIdsDatabase.Parse("C 02  \n\t00  \n");
        var d = new PciDeviceReader(t.Files, ids).Read(PciAddress.Parse("0000:01:00.0"));
        Assert.Equal("020000", d.ClassCode);
        Assert.Null(d.SubclassName);
        Assert.Null(d.BaseClassName);
        Assert.Equal("Class 0200", d.ClassName);
        Assert.Contains(d.Problems, p => p.Contains("pci.ids") && p.Contains("0200"));
    }

    [Fact]
    public void Garbage_cpuinfo_leaves_cpu_facts_null_with_a_problem()
    {
        using var tree = new CapabilityTree("\u0001\u0002 garbage that is no cpuinfo\nzzzz\n");
        var f = tree.Facts();
        Assert.Null(f.Capability.Architecture);
        Assert.Null(f.Capability.CpuVendor);
        Assert.Null(f.Capability.HardwareVirtualization);
        Assert.Contains(f.Capability.Problems, p => p.StartsWith("/proc/cpuinfo:"));
        var hw = new RequirementEvaluator(f).Evaluate(HypervisorKind.KVM).Single(c => c.Name == "HardwareVirtualization");
        Assert.Equal(RequirementStatus.Skip, hw.Status);
        Assert.DoesNotContain("on unknown", hw.Detail);
        Assert.Contains("could not be parsed", hw.Detail);
    }
}
