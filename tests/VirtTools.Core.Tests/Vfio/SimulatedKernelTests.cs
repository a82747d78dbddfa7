using VirtTools.Host;
using VirtTools.Testing;
using W = VirtTools.Testing.SimulatedHosts.Workstation;

namespace VirtTools.Tests;

/// <summary>The simulated kernel behaves as the measured 6.1 kernel does, so the tests built on it mean something.</summary>
public class SimulatedKernelTests
{
    [Fact]
    public void Plain_bind_to_vfio_pci_fails_ENODEV_because_its_table_is_override_only()
    {
        using var h = new SimHost(vfioLoaded: true);
        var k = h.Kernel;
        k.Write($"/sys/bus/pci/devices/{W.FreeNic}/driver/unbind", W.FreeNic);
        Assert.Null(k.DriverOf(W.FreeNic));
        var e = Assert.Throws<HostIOException>(() => k.Write("/sys/bus/pci/drivers/vfio-pci/bind", W.FreeNic));
        Assert.Equal(Errno.ENODEV, e.Errno);
        Assert.Null(k.DriverOf(W.FreeNic));
    }

    [Fact]
    public void Override_then_probe_binds_vfio_and_creates_the_group_node_and_unbind_removes_it()
    {
        using var h = new SimHost(vfioLoaded: true);
        var k = h.Kernel;
        k.Write($"/sys/bus/pci/devices/{W.FreeNic}/driver_override", "vfio-pci");
        Assert.Equal("vfio-pci", k.DriverOverrideOf(W.FreeNic));
        k.Write($"/sys/bus/pci/devices/{W.FreeNic}/driver/unbind", W.FreeNic);
        k.Write("/sys/bus/pci/drivers_probe", W.FreeNic);
        Assert.Equal("vfio-pci", k.DriverOf(W.FreeNic));
        Assert.True(k.Exists("/dev/vfio/4"));
        Assert.True(k.Exists("/dev/vfio/vfio"));

        k.Write($"/sys/bus/pci/devices/{W.FreeNic}/driver_override", "\n");
        Assert.Equal("(null)", k.DriverOverrideOf(W.FreeNic));
        k.Write($"/sys/bus/pci/devices/{W.FreeNic}/driver/unbind", W.FreeNic);
        Assert.False(k.Exists("/dev/vfio/4"));
        k.Write("/sys/bus/pci/drivers_probe", W.FreeNic);
        Assert.Equal("e1000e", k.DriverOf(W.FreeNic));
    }

    [Fact]
    public void Unbind_through_a_driver_the_device_is_not_on_fails_ENODEV_and_missing_files_ENOENT()
    {
        using var h = new SimHost();
        var k = h.Kernel;
        Assert.Equal(Errno.ENODEV, Assert.Throws<HostIOException>(() => k.Write("/sys/bus/pci/drivers/igb/unbind", W.FreeNic)).Errno);
        Assert.Equal(Errno.ENOENT, Assert.Throws<HostIOException>(() => k.Write("/sys/bus/pci/drivers/vfio-pci/bind", W.FreeNic)).Errno);
        Assert.Equal(Errno.EBUSY, Assert.Throws<HostIOException>(() => k.Write("/sys/bus/pci/drivers/e1000e/bind", W.FreeNic)).Errno);
    }

    /// <summary>What the Xen lab measured on xen-pciback (tests/xen, Xen 4.17, Linux 6.1).</summary>
    [Fact]
    public void Pciback_keeps_a_device_it_took_in_its_slots_and_reclaims_it_until_remove_slot()
    {
        using var h = new SimHost();
        var k = h.Kernel.RegisterDriver(SimulatedKernel.Pciback).ProbeFirst(SimulatedKernel.Pciback);
        var dev = $"/sys/bus/pci/devices/{W.FreeNic}";
        k.Write(dev + "/driver_override", "pciback");
        k.Write(dev + "/driver/unbind", W.FreeNic);
        k.Write("/sys/bus/pci/drivers_probe", W.FreeNic);
        Assert.Equal("pciback", k.DriverOf(W.FreeNic));
        Assert.Equal(W.FreeNic + "\n", k.ReadAllText("/sys/bus/pci/drivers/pciback/slots"));

        // The KVM way back (clear, unbind, probe) lands on pciback again.
        k.Write(dev + "/driver_override", "\n");
        k.Write(dev + "/driver/unbind", W.FreeNic);
        k.Write("/sys/bus/pci/drivers_probe", W.FreeNic);
        Assert.Equal("pciback", k.DriverOf(W.FreeNic));

        k.Write(dev + "/driver/unbind", W.FreeNic);
        k.Write("/sys/bus/pci/drivers/pciback/remove_slot", W.FreeNic);
        Assert.Equal("", k.ReadAllText("/sys/bus/pci/drivers/pciback/slots"));
        Assert.Equal(Errno.ENOENT, Assert.Throws<HostIOException>(() => k.Write("/sys/bus/pci/drivers/pciback/remove_slot", W.FreeNic)).Errno);
        k.Write("/sys/bus/pci/drivers_probe", W.FreeNic);
        Assert.Equal("e1000e", k.DriverOf(W.FreeNic));
    }

    [Fact]
    public void New_id_captures_every_unbound_device_with_that_id()
    {
        using var h = new SimHost(vfioLoaded: true);
        var k = h.Kernel;
        k.Write($"/sys/bus/pci/devices/{W.FreeNic}/driver/unbind", W.FreeNic);
        k.Write("/sys/bus/pci/drivers/vfio-pci/new_id", "8086 10d3");
        Assert.Equal("vfio-pci", k.DriverOf(W.FreeNic));
        Assert.Equal(Errno.EEXIST, Assert.Throws<HostIOException>(() => k.Write("/sys/bus/pci/drivers/vfio-pci/new_id", "8086 10d3")).Errno);
    }

    [Fact]
    public void Faults_fire_after_the_given_count_for_the_given_number_of_times_and_writes_are_logged()
    {
        using var h = new SimHost();
        var k = h.Kernel;
        k.Fail("*/driver_override", Errno.EACCES, times: 1, after: 1);
        k.Write($"/sys/bus/pci/devices/{W.FreeNic}/driver_override", "x");
        Assert.Equal(Errno.EACCES, Assert.Throws<HostIOException>(() => k.Write($"/sys/bus/pci/devices/{W.FreeNic}/driver_override", "y")).Errno);
        k.Write($"/sys/bus/pci/devices/{W.FreeNic}/driver_override", "\n");
        Assert.Equal(3, k.WritesTo("driver_override").Count);
        Assert.Equal("(null)", k.DriverOverrideOf(W.FreeNic));
    }

    [Fact]
    public void Asynchronous_probe_binds_after_some_reads_of_the_driver_link()
    {
        using var h = new SimHost(vfioLoaded: true);
        var k = h.Kernel;
        k.AsyncProbeReads = 3;
        k.Write($"/sys/bus/pci/devices/{W.FreeNic}/driver_override", "vfio-pci");
        k.Write($"/sys/bus/pci/devices/{W.FreeNic}/driver/unbind", W.FreeNic);
        k.Write("/sys/bus/pci/drivers_probe", W.FreeNic);
        Assert.Null(k.DriverOf(W.FreeNic));
        Assert.Null(k.DriverOf(W.FreeNic));
        Assert.Equal("vfio-pci", k.DriverOf(W.FreeNic));
    }

    [Fact]
    public void Module_loader_registers_the_driver_and_fails_for_unknown_modules()
    {
        using var h = new SimHost();
        var k = h.Kernel;
        Assert.False(k.Exists("/sys/bus/pci/drivers/vfio-pci"));
        k.Modules.Load("vfio-pci");
        Assert.True(k.Exists("/sys/bus/pci/drivers/vfio-pci/bind"));
        var e = Assert.Throws<VirtToolsException>(() => k.Modules.Load("nope"));
        Assert.Equal(FailureKind.NotInstalled, e.Kind);
    }

    [Fact]
    public void Install_sets_and_restores_the_host_context_override()
    {
        using var h = new SimHost();
        using (h.Kernel.Install())
            Assert.Same(h.Kernel, HostContext.Current.Files);
        Assert.Null(HostContext.Override);
    }
}
