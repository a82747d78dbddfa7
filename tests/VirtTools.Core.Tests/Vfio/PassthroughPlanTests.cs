using VirtTools.HostUsage;
using VirtTools.Pci;
using VirtTools.Testing;
using VirtTools.Vfio;
using W = VirtTools.Testing.SimulatedHosts.Workstation;

namespace VirtTools.Tests;

/// <summary>What Enable-VfioDevice plans for functions a host needs, and how it says what it cannot do.</summary>
public class PassthroughPlanTests
{
    private static VfioPlan Plan(SimHost h, string address, Action<VfioOptions>? more = null) =>
        new VfioBinder(h.Kernel.Context, VfioBinderTests.Fast(more)).PlanEnable(PciAddress.Parse(address));

    [Theory]
    [InlineData("060000")] // host bridge
    [InlineData("060100")] // ISA/LPC bridge
    [InlineData("060700")] // CardBus bridge
    [InlineData("068000")] // other bridge
    public void Every_bridge_class_is_refused_even_with_Force(string classCode)
    {
        using var h = new SimHost(vfioLoaded: true);
        h.Kernel.Tree.Pci(new PciSpec { Address = "0000:00:1f.0", Class = classCode, Vendor = "8086", Device = "5182", IommuGroup = 20 });
        var e = Assert.Throws<VirtToolsException>(() => Plan(h, "0000:00:1f.0", o => o.Force = true));
        Assert.Equal(HostUsageGuard.Ids.Bridge, e.ErrorId);
        Assert.Equal(FailureKind.InvalidOperation, e.Kind);
        Assert.Contains("bridge", e.Message);
        Assert.Empty(h.Kernel.Writes);
    }

    [Theory]
    [InlineData("0c0500", "SMBus")]
    [InlineData("0c8000", "SPI flash")]
    [InlineData("078000", "Management Engine")]
    public void Platform_functions_are_refused_without_Force_saying_why(string classCode, string why)
    {
        using var h = new SimHost(vfioLoaded: true);
        h.Kernel.Tree.Pci(new PciSpec { Address = "0000:00:1f.4", Class = classCode, Vendor = "8086", Device = "51a3", Driver = "i801_smbus", IommuGroup = 21 });
        var e = Assert.Throws<VirtToolsException>(() => Plan(h, "0000:00:1f.4"));
        Assert.Equal(HostUsageGuard.Ids.PlatformFunction, e.ErrorId);
        Assert.Equal(FailureKind.ResourceBusy, e.Kind);
        Assert.Contains(why, e.Message);
        Assert.False(string.IsNullOrEmpty(e.RecommendedAction));

        var forced = Plan(h, "0000:00:1f.4", o => o.Force = true);
        Assert.Contains(forced.Warnings, w => w.Contains(HostUsageGuard.Ids.PlatformFunction));
        Assert.True(forced.HasChanges);
    }

    [Fact]
    public void A_missing_driver_override_file_is_found_while_planning_and_nothing_changes()
    {
        using var h = new SimHost(vfioLoaded: true);
        File.Delete(Path.Join(h.Root, h.Kernel.Tree.DeviceDir(W.FreeNic), "driver_override"));
        var before = h.Snapshot();
        var e = Assert.Throws<VirtToolsException>(() => Plan(h, W.FreeNic));
        Assert.Equal("DriverOverrideMissing", e.ErrorId);
        Assert.Equal(FailureKind.NotImplemented, e.Kind);
        Assert.Contains("Nothing was changed", e.Message);
        Assert.DoesNotContain("ROLLBACK", e.Message);
        Assert.Empty(h.Kernel.Writes);
        Assert.Equal(before, h.Snapshot());

        // Disable of a function on vfio-pci: the same check, before any step.
        using var g = new SimHost(vfioLoaded: true);
        g.Kernel.Tree.BindDriver(W.FreeNic, "vfio-pci");
        File.Delete(Path.Join(g.Root, g.Kernel.Tree.DeviceDir(W.FreeNic), "driver_override"));
        var d = Assert.Throws<VirtToolsException>(() =>
            new VfioBinder(g.Kernel.Context, VfioBinderTests.Fast()).PlanDisable(PciAddress.Parse(W.FreeNic)));
        Assert.Equal("DriverOverrideMissing", d.ErrorId);
        Assert.Contains("Nothing was changed", d.Message);
    }

    [Theory]
    [InlineData("GenuineIntel", "intel_iommu=on")]
    [InlineData("AuthenticAMD", "AMD-Vi is on by default")]
    public void A_missing_iommu_group_gives_the_vendor_correct_advice(string vendor, string expected)
    {
        using var h = new SimHost(vfioLoaded: true);
        h.Kernel.Tree.Proc("cpuinfo", $"processor\t: 0\nvendor_id\t: {vendor}\nmodel name\t: test\nflags\t\t: fpu lm vmx svm\n\n");
        h.Kernel.Tree.Proc("cmdline", "root=/dev/nvme0n1p2\n");
        File.Delete(Path.Join(h.Root, h.Kernel.Tree.DeviceDir(W.FreeNic), "iommu_group"));
        var e = Assert.Throws<VirtToolsException>(() => Plan(h, W.FreeNic));
        Assert.Equal("IommuGroupMissing", e.ErrorId);
        Assert.Contains(expected, e.RecommendedAction);
        Assert.DoesNotContain("(or amd_iommu=on)", e.RecommendedAction);
        Assert.DoesNotContain("amd_iommu=on)", e.Message + e.RecommendedAction);
    }

    [Fact]
    public void No_message_of_the_binder_suggests_amd_iommu_on()
    {
        foreach (var file in new[] { "VfioBinder.cs", "VfioApplier.cs" })
        {
            var source = File.ReadAllText(Path.Combine(Fixtures.RepoRoot, "src/VirtTools.Core/Vfio", file));
            Assert.DoesNotContain("amd_iommu=on", source);
        }
    }

    [Fact]
    public void Persist_warns_when_driverctl_is_not_installed_and_not_when_it_is()
    {
        using var h = new SimHost(vfioLoaded: true);
        var plan = Plan(h, W.FreeNic, o => o.Persist = true);
        var w = Assert.Single(plan.Warnings, x => x.Contains("driverctl"));
        Assert.Contains("not installed", w);
        Assert.Contains("zypper install driverctl", w);

        h.Kernel.Tree.File("/usr/lib/udev/rules.d/89-driverctl.rules", "# driverctl\n");
        h.Kernel.Tree.File("/usr/lib/systemd/system/driverctl@.service", "[Unit]\n");
        h.Kernel.Tree.File("/usr/sbin/driverctl", "#!/bin/bash\n");
        var ok = Plan(h, W.FreeNic, o => o.Persist = true);
        Assert.DoesNotContain(ok.Warnings, x => x.Contains("driverctl"));
    }
}
