using VirtTools.Guests;
using VirtTools.Libvirt;
using VirtTools.Migration;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Guests;

/// <summary>
/// The lifecycle calls a Xen guest gets, against a test-driver domain of type xen whose connection refuses
/// flags as libvirt 9.0's libxl driver did in the Xen lab (tests/VirtTools.Xen.Tests proves the same there).
/// </summary>
[Collection(TestDriverCollection.Name)]
public sealed class XenLifecycleTests
{
    private static string XenPv(string name) =>
        $"<domain type='xen'><name>{name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>" +
        "<os><type arch='x86_64' machine='xenpv'>xen</type><kernel>/boot/vmlinuz</kernel></os></domain>";

    private static FaultyConnection Libxl() => new(LibvirtConnector.Open(LibvirtBindingTests.TestUri)) { AsLibxl = true };

    /// <summary>A running Xen PV guest on a libxl-like connection for <paramref name="test"/>, removed afterwards.</summary>
    private static void WithRunningGuest(string name, Action<FaultyConnection, ILibvirtDomain> test)
    {
        using var c = Libxl();
        using var d = c.DefineDomain(XenPv(name));
        try
        {
            d.Start();
            test(c, d);
        }
        finally
        {
            if (d.IsActive) d.Destroy();
            d.Undefine();
        }
    }

    [Fact]
    public void Stop_and_Restart_send_a_Xen_guest_libxls_default_method_only() => WithRunningGuest("xen-stop", (c, d) =>
    {
        Assert.Equal(LifecycleOutcome.Changed, GuestLifecycle.Restart(d, c, false, TimeSpan.FromSeconds(5)));
        Assert.Equal(LifecycleOutcome.Changed, GuestLifecycle.Stop(d, false, TimeSpan.FromSeconds(5)));
        Assert.False(d.IsActive);
        Assert.Equal(new[] { "reboot Default", "shutdown Default" }, c.FlagCalls);
    });

    [Fact]
    public void Restart_TurnOff_without_a_driver_reset_powers_the_guest_off_and_starts_it_again() => WithRunningGuest("xen-reset", (c, d) =>
    {
        var before = d.Id;
        Assert.Equal(LifecycleOutcome.Changed, GuestLifecycle.Restart(d, c, true, TimeSpan.FromSeconds(5)));
        Assert.True(d.IsActive);
        Assert.NotEqual(before, d.Id);
        Assert.Equal(new[] { "reset" }, c.FlagCalls);
    });

    [Fact]
    public void Restart_TurnOff_that_cannot_start_again_says_the_guest_is_off() => WithRunningGuest("xen-reset-fail", (c, d) =>
    {
        c.FailStart = true;
        var e = Assert.Throws<VirtToolsException>(() => GuestLifecycle.Restart(d, c, true, TimeSpan.FromSeconds(5)));
        Assert.Equal("GuestResetStartFailed", e.ErrorId);
        Assert.Contains("was powered off", e.Message);
        Assert.Contains("Start-VMGuest xen-reset-fail", e.RecommendedAction);
        Assert.False(d.IsActive);
    });

    [Fact]
    public void Restart_TurnOff_of_a_transient_guest_without_a_driver_reset_is_refused_and_leaves_it_running()
    {
        using var c = Libxl();
        using var d = c.CreateDomain(XenPv("xen-reset-transient"));
        try
        {
            var e = Assert.Throws<VirtToolsException>(() => GuestLifecycle.Restart(d, c, true, TimeSpan.FromSeconds(5)));
            Assert.Equal("GuestResetUnsupported", e.ErrorId);
            Assert.Equal(FailureKind.NotImplemented, e.Kind);
            Assert.True(d.IsActive);
        }
        finally { if (d.IsActive) d.Destroy(); }
    }

    [Fact]
    public void Remove_undefines_a_Xen_guest_without_the_snapshot_and_checkpoint_flags()
    {
        using var c = Libxl();
        using var d = c.DefineDomain(XenPv("xen-remove"));
        Assert.Empty(GuestLifecycle.Remove(d, c, force: false, removeStorage: false));
        Assert.Equal(new[] { "undefine ManagedSave" }, c.FlagCalls);
        using var gone = c.FindDomain("xen-remove");
        Assert.Null(gone);
    }

    [Fact]
    public void A_KVM_guest_still_gets_the_ACPI_button_and_the_metadata_flags()
    {
        using var c = new FaultyConnection(LibvirtConnector.Open(LibvirtBindingTests.TestUri));
        using var d = c.DefineDomain(LibvirtBindingTests.MinimalXml("kvm-flags"));
        d.Start();
        GuestLifecycle.Stop(d, false, TimeSpan.FromSeconds(5));
        GuestLifecycle.Remove(d, c, force: false, removeStorage: false);
        Assert.StartsWith("shutdown AcpiPowerButton", c.FlagCalls[0]);
        Assert.Contains(c.FlagCalls, f => f.StartsWith("undefine", StringComparison.Ordinal) && f.Contains("SnapshotsMetadata"));
    }

    [Fact]
    public void Move_survey_counts_no_snapshots_on_Xen_without_asking_libxl() => WithRunningGuest("xen-move", (c, d) =>
    {
        var s = GuestMigrator.Survey(c, d, c, new MigrationRequest(c.Uri));
        Assert.Equal(0, s.SnapshotCount);
        Assert.True(s.Guest.IsXen);
        // The same connection at both ends (the test driver names no host UUID): the guest is already there.
        Assert.Equal("MigrationNameTaken", MigrationPreflight.Check(s)?.ErrorId);
    });

    [Theory]
    [InlineData(GuestHypervisor.Xen, GuestMode.PV)]
    [InlineData(GuestHypervisor.Xen, GuestMode.PVHVM)]
    [InlineData(GuestHypervisor.KVM, GuestMode.FV)]
    public void NoGraphics_leaves_out_the_framebuffer_video_and_tablet_but_keeps_the_console(GuestHypervisor h, GuestMode m)
    {
        var spec = new GuestSpec { Name = "ng", Hypervisor = h, Mode = m, Kernel = "/boot/vmlinuz", NoGraphics = true };
        var devices = DomainXmlBuilder.Build(spec).Root!.Element("devices")!;
        Assert.Null(devices.Element("graphics"));
        Assert.Null(devices.Element("video"));
        Assert.Null(devices.Element("input"));
        Assert.NotNull(devices.Element("console"));
        Assert.True(XmlValidator.Validate(DomainXmlBuilder.BuildString(spec)).Item1, "libvirt's RNG refuses the XML");
        var withGraphics = DomainXmlBuilder.Build(new GuestSpec { Name = "g", Hypervisor = h, Mode = m, Kernel = "/boot/vmlinuz" });
        Assert.NotNull(withGraphics.Root!.Element("devices")!.Element("graphics"));
    }
}
