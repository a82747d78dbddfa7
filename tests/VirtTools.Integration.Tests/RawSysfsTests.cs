namespace VirtTools.Integration.Tests;

/// <summary>
/// The vfio-pci bind sequence done by hand in the guest, without VirtTools. It proves the harness can
/// do what the cmdlet tests ask for, and pins the kernel's answers that a binder must handle.
/// </summary>
public sealed class RawSysfsTests
{
    [GuestFact]
    public void The_guest_kernel_binds_a_nic_to_vfio_pci_through_driver_override_and_back()
    {
        var s = GuestRun.Instance.Scenario("rawVfio");
        Assert.Equal("e1000e", s.Str("before", "Driver"));
        Assert.Equal("OK", s.Errno("override"));
        // drivers_probe does nothing for a bound device: the override only acts at the next probe.
        Assert.Equal("e1000e", s.Str("driverAfterProbeWhileBound"));
        Assert.Equal("OK", s.Errno("unbind"));
        Assert.Equal("OK", s.Errno("probe"));
        Assert.Equal("vfio-pci", s.Str("bound", "Driver"));
        Assert.Equal("true", s.Str("bound", "VfioNode"));
        Assert.NotNull(s.Str("vfioNodeAppearedAfter"));

        Assert.Equal("OK", s.Errno("unbindVfio"));
        Assert.Equal("OK", s.Errno("clearOverride"));
        Assert.Equal("(null)", s.Str("overrideAfterClear"));
        Assert.Equal("OK", s.Errno("reprobe"));
        Assert.Equal("e1000e", s.Str("after", "Driver"));
        Assert.Equal("false", s.Str("after", "VfioNode"));
        Assert.NotEmpty(s.Strings("after", "NetDevs"));
    }

    [GuestTheory]
    [InlineData("bindAgain", "EBUSY")]                   // bind to the driver it is already on
    [InlineData("unbindFromOtherDriver", "ENODEV")]      // unbind through a driver it is not on
    [InlineData("bindToOtherDriverWhileBound", "ENODEV")]
    [InlineData("probeUnknownAddress", "ENODEV")]        // drivers_probe of an address that does not exist
    [InlineData("overrideTooLong", "EINVAL")]            // driver_override longer than a page
    [InlineData("unbindWhenUnbound", "ENODEV")]
    [InlineData("bindVfioWithoutOverride", "ENODEV")]    // vfio-pci has no id table entry for it
    public void Misdirected_bind_and_unbind_writes_get_the_measured_errnos(string write, string errno) =>
        Assert.Equal(errno, GuestRun.Instance.Scenario("rawVfio").Errno(write));
}
