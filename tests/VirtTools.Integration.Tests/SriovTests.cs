using System.Text.Json;

namespace VirtTools.Integration.Tests;

/// <summary>The emulated NVMe PF's SR-IOV: raw sriov_numvfs writes, and what Get-PciDevice shows.</summary>
public sealed class SriovTests
{
    private static JsonElement S => GuestRun.Instance.Scenario("sriov");

    private static JsonElement Device(JsonElement invocation, string address) =>
        invocation.Output().Single(d => d.Str("Address") == address);

    [GuestFact]
    public void The_pf_reports_its_total_vfs()
    {
        var s = S;
        Assert.NotNull(s.Str("pf"));
        Assert.Equal("nvme", s.Str("pfDriver"));
        // run-guest.sh gives the controller sriov_max_vfs=4.
        Assert.Equal(4, s.Int("totalVfsRaw"));
        Assert.Equal(s.Int("totalVfsRaw"), Device(s.At("getPfBefore"), s.Str("pf")!).Int("SriovTotalVfs"));
    }

    // In scenario order: total is 4; "writeTwo" enables 2 VFs; "writeZero" removes them; the PF is
    // then unbound for "writeWhileUnbound".
    [GuestTheory]
    [InlineData("writeAboveTotal", "ERANGE")]   // 5 > sriov_totalvfs
    [InlineData("writeTwo", "OK")]
    [InlineData("writeSameAgain", "OK")]        // 2 while 2: a no-op
    [InlineData("writeDifferent", "EBUSY")]     // 3 while 2
    [InlineData("writeGarbage", "EINVAL")]      // "abc"
    [InlineData("writeNegative", "EINVAL")]     // "-1"
    [InlineData("writeZero", "OK")]
    [InlineData("writeWhileUnbound", "ENOENT")] // no PF driver to configure SR-IOV
    public void Sriov_numvfs_writes_get_the_documented_errnos(string write, string errno) =>
        Assert.Equal(errno, S.Errno(write));

    [GuestFact]
    public void Rejected_sriov_numvfs_writes_leave_the_count_unchanged()
    {
        var s = S;
        Assert.Equal("0", s.Str("numVfsAfterAboveTotal"));
        Assert.Equal("2", s.Str("numVfsAfterTwo"));
        Assert.Equal("2", s.Str("numVfsAfterDifferent"));
        Assert.Equal("0", s.Str("numVfsAfterZero"));
        Assert.Equal("nvme", s.Str("pfDriverAfter"));
    }

    [GuestFact]
    public void Enabled_vfs_appear_in_Get_PciDevice_linked_to_their_pf_and_go_away_at_zero()
    {
        var s = S;
        var pf = s.Str("pf")!;
        var vfs = s.Strings("kernelVfs");
        Assert.Equal(2, vfs.Length);
        var all = s.At("getPciDeviceWithVfs");
        all.NoErrors("Get-PciDevice with VFs");
        var pfDev = Device(all, pf);
        Assert.Equal(vfs.Order(), pfDev.Strings("VirtualFunctions").Order());
        Assert.Equal(2, pfDev.Int("SriovNumVfs"));
        var groups = new HashSet<int?> { pfDev.Int("IommuGroup") };
        foreach (var vf in vfs)
        {
            var d = Device(all, vf);
            var k = s.At("kernelVfState", vf);
            Assert.Equal(pf, d.Str("PhysicalFunction"));
            Assert.Equal("true", d.Str("IsVirtualFunction"));
            Assert.Equal(k.Int("IommuGroup"), d.Int("IommuGroup"));
            Assert.Equal(k.Str("Driver"), d.Str("Driver"));
            // Each VF is its own IOMMU group, apart from the PF's.
            Assert.True(groups.Add(d.Int("IommuGroup")), $"{vf} shares IOMMU group {d.Int("IommuGroup")}");
        }
        var after = s.At("getPciDeviceAfterZero").Output().Select(d => d.Str("Address")).ToArray();
        Assert.DoesNotContain(after, a => vfs.Contains(a));
        Assert.Empty(Device(s.At("getPciDeviceAfterZero"), pf).Strings("VirtualFunctions"));
    }

    [GuestFact]
    public void A_vf_binds_to_vfio_pci_and_back()
    {
        var s = S;
        s.At("vfEnable").NoErrors("Enable-VfioDevice on a VF");
        Assert.Equal("vfio-pci", s.Str("vfAfterEnable", "Driver"));
        Assert.Equal("true", s.Str("vfAfterEnable", "VfioNode"));
        s.At("vfDisable").NoErrors("Disable-VfioDevice on a VF");
        Assert.NotEqual("vfio-pci", s.Str("vfAfterDisable", "Driver"));
        Assert.Equal("(null)", s.Str("vfAfterDisable", "DriverOverride"));
    }
}
