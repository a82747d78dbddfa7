using VirtTools.Host;
using VirtTools.Pci;
using VirtTools.Testing;
using VirtTools.Vfio;
using W = VirtTools.Testing.SimulatedHosts.Workstation;

namespace VirtTools.Tests;

/// <summary>
/// Enable-/Disable-VfioDevice with Xen's pciback on the simulated kernel, which keeps pciback's slots as
/// the Xen lab measured them (tests/xen): a device pciback took is claimed again at the next probe
/// until it is written to drivers/pciback/remove_slot.
/// </summary>
public class PcibackRoundTripTests
{
    private const string Slots = "/sys/bus/pci/drivers/pciback/slots";

    /// <summary>The workstation with pciback registered before e1000e, as when it is loaded from the initrd.</summary>
    private static SimHost XenHost()
    {
        var h = new SimHost();
        h.Kernel.RegisterDriver(SimulatedKernel.Pciback).ProbeFirst(SimulatedKernel.Pciback);
        return h;
    }

    private static VfioResult Run(SimHost h, bool enable, string address, Action<VfioOptions>? more = null)
    {
        var b = new VfioBinder(h.Kernel.Context, VfioBinderTests.Fast(more));
        var a = PciAddress.Parse(address);
        return b.Execute(enable ? b.PlanEnable(a) : b.PlanDisable(a));
    }

    [Fact]
    public void Disable_takes_the_device_out_of_pcibacks_slots_before_the_reprobe_and_the_host_driver_gets_it()
    {
        using var h = XenHost();
        var k = h.Kernel;
        Run(h, true, W.FreeNic, o => o.Driver = "pciback");
        Assert.Equal("pciback", k.DriverOf(W.FreeNic));
        Assert.Equal(new[] { W.FreeNic }, k.PcibackSlots);
        k.ClearLog();

        Run(h, false, W.FreeNic);
        Assert.Equal(new[]
        {
            $"/sys/bus/pci/devices/{W.FreeNic}/driver_override <- \\n",
            $"/sys/bus/pci/devices/{W.FreeNic}/driver/unbind <- {W.FreeNic}",
            $"/sys/bus/pci/drivers/pciback/remove_slot <- {W.FreeNic}",
            $"/sys/bus/pci/drivers_probe <- {W.FreeNic}",
        }, k.Writes.Select(w => w.ToString()));
        Assert.Equal("e1000e", k.DriverOf(W.FreeNic));
        Assert.Equal("(null)", k.DriverOverrideOf(W.FreeNic));
        Assert.Empty(k.PcibackSlots);
        Assert.Equal("", k.ReadAllText(Slots));
    }

    [Fact]
    public void Disable_with_a_named_host_driver_also_empties_the_slot()
    {
        using var h = XenHost();
        Run(h, true, W.FreeNic, o => o.Driver = "pciback");
        Run(h, false, W.FreeNic, o => o.Driver = "e1000e");
        Assert.Equal("e1000e", h.Kernel.DriverOf(W.FreeNic));
        Assert.Empty(h.Kernel.PcibackSlots);
        // A later probe (a reset, a rescan) no longer hands it to pciback.
        h.Kernel.Write($"/sys/bus/pci/devices/{W.FreeNic}/driver/unbind", W.FreeNic);
        h.Kernel.Write("/sys/bus/pci/drivers_probe", W.FreeNic);
        Assert.Equal("e1000e", h.Kernel.DriverOf(W.FreeNic));
    }

    [Fact]
    public void The_plan_names_the_remove_slot_write_only_for_a_device_in_pcibacks_slots()
    {
        using var h = XenHost();
        Run(h, true, W.FreeNic, o => o.Driver = "pciback");
        var b = new VfioBinder(h.Kernel.Context, VfioBinderTests.Fast());
        Assert.Contains(b.PlanDisable(PciAddress.Parse(W.FreeNic)).Steps, s => s.Path == "/sys/bus/pci/drivers/pciback/remove_slot" && s.Value == W.FreeNic);

        // Bound by pciback through the override alone, then out of the slots by hand: nothing to remove.
        h.Kernel.Write("/sys/bus/pci/drivers/pciback/remove_slot", W.FreeNic);
        Assert.DoesNotContain(b.PlanDisable(PciAddress.Parse(W.FreeNic)).Steps, s => s.Path!.EndsWith("remove_slot", StringComparison.Ordinal));
    }

    [Fact]
    public void A_device_a_stub_claims_again_after_the_reprobe_is_reported_and_put_back_as_it_was()
    {
        using var h = XenHost();
        var k = h.Kernel;
        Run(h, true, W.FreeNic, o => o.Driver = "pciback");
        // remove_slot fails to take effect (an older pciback without it, or a hide= rule re-adding it):
        // the reprobe lands on pciback again, which the old code reported as success.
        k.Fail("/sys/bus/pci/drivers/pciback/remove_slot", Errno.ENOENT, times: 0);
        var e = Assert.Throws<VirtToolsException>(() => Run(h, false, W.FreeNic));
        Assert.Equal("SysfsFileMissing", e.ErrorId);
        Assert.Equal("pciback", k.DriverOf(W.FreeNic));
        Assert.Equal("pciback", k.DriverOverrideOf(W.FreeNic));
    }

    [Fact]
    public void A_device_that_lands_on_a_pass_through_driver_again_is_an_error_not_a_success()
    {
        using var h = new SimHost(vfioLoaded: true);
        var k = h.Kernel;
        Run(h, true, W.FreeNic);
        // vfio-pci.ids-style capture: vfio-pci takes every 8086:10d3 it is offered, before e1000e.
        k.Write("/sys/bus/pci/drivers/vfio-pci/new_id", "8086 10d3");
        k.ProbeFirst("vfio-pci");
        var e = Assert.Throws<VirtToolsException>(() => Run(h, false, W.FreeNic));
        Assert.Equal("DeviceLeftOnStubDriver", e.ErrorId);
        Assert.Equal(FailureKind.InvalidOperation, e.Kind);
        Assert.Contains("vfio-pci", e.Message);
        Assert.Equal("vfio-pci", k.DriverOf(W.FreeNic));
    }
}
