using VirtTools.Guests;
using VirtTools.Host;
using VirtTools.Libvirt;
using VirtTools.Testing;
using VirtTools.Tests.Libvirt;
using W = VirtTools.Testing.SimulatedHosts.Workstation;

namespace VirtTools.Tests.Guests;

[Collection(TestDriverCollection.Name)]
public sealed class GuestCreatorTests : IDisposable
{
    private const string Pool = "default-pool";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vt-guest-" + Guid.NewGuid().ToString("N"));
    private readonly ILibvirtConnection _keep = LibvirtConnector.Open(LibvirtBindingTests.TestUri);

    public GuestCreatorTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        _keep.Dispose();
        Directory.Delete(_root, true);
    }

    /// <summary>A host root with nothing in it: no /dev/kvm, not a Xen Dom0.</summary>
    private HostContext EmptyHost()
    {
        var fs = new DiskFileSystem(_root);
        return new HostContext(fs, new ModprobeLoader(fs, new SystemProcessRunner()), new SystemProcessRunner());
    }

    private static bool VolumeExists(ILibvirtConnection c, string name)
    {
        using var p = c.FindStoragePool(Pool)!;
        using var v = p.FindVolume(name);
        return v is not null;
    }

    [Fact]
    public void A_device_without_an_iommu_group_on_an_amd_host_gets_amd_advice_not_intel_iommu()
    {
        using var t = new CapabilityTree(CapabilityTree.AmdCpu).Dir("/sys/kernel/iommu_groups");
        t.Builder.Pci("0000:03:00.0");
        var fs = new DiskFileSystem(t.Root);
        var host = new HostContext(fs, new ModprobeLoader(fs, new SystemProcessRunner()), new SystemProcessRunner());
        var e = Assert.Throws<VirtToolsException>(() => new GuestCreator(_keep, host)
            .Plan(new GuestRequest { Name = "cr-amd", Hypervisor = GuestHypervisor.KVM, HostDevices = ["0000:03:00.0"] }));
        Assert.Equal("NoIommuGroup", e.ErrorId);
        Assert.Contains("AMD-Vi", e.RecommendedAction);
        Assert.DoesNotContain("intel_iommu", e.RecommendedAction);
        // The same checker serves Add-VMGuestHostDevice, where there is no definition to speak of.
        Assert.Contains("Nothing was changed.", e.Message);
        Assert.DoesNotContain("defined", e.Message);
    }

    [Fact]
    public void Defaults_on_a_host_without_kvm_are_qemu_fv_with_a_warning_that_says_why()
    {
        var plan = new GuestCreator(_keep, EmptyHost()).Plan(new GuestRequest { Name = "cr-default" });
        Assert.Equal(GuestHypervisor.QEMU, plan.Spec.Hypervisor);
        Assert.Equal(GuestMode.FV, plan.Spec.Mode);
        Assert.Equal(2L << 30, plan.Spec.MemoryBytes);
        Assert.Contains(plan.Warnings, w => w.Contains("/dev/kvm is not in this root") && w.Contains("GuestAcceleration"));
        Assert.Null(_keep.FindDomain("cr-default"));
    }

    [Fact]
    public void Xen_dom0_defaults_to_pvhvm_and_pv_without_kernel_boots_through_pygrub_and_says_so()
    {
        Directory.CreateDirectory(Path.Combine(_root, "proc/xen"));
        File.WriteAllText(Path.Combine(_root, "proc/xen/capabilities"), "control_d\n");
        var creator = new GuestCreator(_keep, EmptyHost());
        var plan = creator.Plan(new GuestRequest { Name = "cr-xen" });
        Assert.Equal((GuestHypervisor.Xen, GuestMode.PVHVM), (plan.Spec.Hypervisor, plan.Spec.Mode));
        var pv = creator.Plan(new GuestRequest { Name = "cr-xen", Mode = GuestMode.PV });
        Assert.Equal("/usr/bin/pygrub", pv.Spec.Bootloader);
        Assert.Contains(pv.Warnings, w => w.Contains("pygrub") && w.Contains("pvgrub2"));
        Directory.CreateDirectory(Path.Combine(_root, "usr/lib/grub2/x86_64-xen"));
        File.WriteAllText(Path.Combine(_root, "usr/lib/grub2/x86_64-xen/grub.xen"), "");
        var pv2 = creator.Plan(new GuestRequest { Name = "cr-xen", Mode = GuestMode.PV });
        Assert.Equal("/usr/lib/grub2/x86_64-xen/grub.xen", pv2.Spec.Kernel);
        Assert.Null(pv2.Spec.Bootloader);
    }

    [Fact]
    public void Create_makes_the_volume_defines_and_starts()
    {
        var creator = new GuestCreator(_keep, EmptyHost());
        var plan = creator.Plan(new GuestRequest { Name = "cr-ok", MemoryBytes = 256L << 20, NewDiskSizeBytes = 1L << 30, StoragePool = Pool, Network = "default" });
        Assert.Equal("/default-pool/cr-ok.qcow2", plan.Volume!.Path);
        using (var d = creator.Create(plan, start: true))
        {
            Assert.True(d.IsActive);
            Assert.Contains("/default-pool/cr-ok.qcow2", d.GetXml());
        }
        Assert.True(VolumeExists(_keep, "cr-ok.qcow2"));
        var again = Assert.Throws<VirtToolsException>(() => creator.Plan(new GuestRequest { Name = "cr-ok" }));
        Assert.Equal("GuestExists", again.ErrorId);
        using (var d = _keep.FindDomain("cr-ok")!)
            Assert.Empty(GuestLifecycle.Remove(d, _keep, force: true, removeStorage: true));
        Assert.False(VolumeExists(_keep, "cr-ok.qcow2"));
        Assert.Null(_keep.FindDomain("cr-ok"));
    }

    [Fact]
    public void An_existing_volume_is_never_overwritten()
    {
        using (var p = _keep.FindStoragePool(Pool)!)
            p.CreateVolume(new NewVolume(Pool, "cr-taken.qcow2", "", 1 << 20).Xml()).Dispose();
        var e = Assert.Throws<VirtToolsException>(() => new GuestCreator(_keep, EmptyHost())
            .Plan(new GuestRequest { Name = "cr-taken", NewDiskSizeBytes = 1L << 30, StoragePool = Pool }));
        Assert.Equal("DiskExists", e.ErrorId);
        Assert.Equal(FailureKind.ResourceExists, e.Kind);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void A_failure_after_the_volume_was_created_leaves_no_volume_and_no_definition(bool failDefine, bool failStart)
    {
        var name = failDefine ? "cr-faildef" : "cr-failstart";
        var faulty = new FaultyConnection(LibvirtConnector.Open(LibvirtBindingTests.TestUri)) { FailDefine = failDefine, FailStart = failStart };
        using (faulty)
        {
            var creator = new GuestCreator(faulty, EmptyHost());
            var plan = creator.Plan(new GuestRequest { Name = name, MemoryBytes = 256L << 20, NewDiskSizeBytes = 1L << 30, StoragePool = Pool });
            var e = Assert.Throws<LibvirtException>(() => creator.Create(plan, start: true));
            Assert.Contains("injected", e.Message);
        }
        Assert.False(VolumeExists(_keep, name + ".qcow2"));
        Assert.Null(_keep.FindDomain(name));
    }

    [Fact]
    public void Bad_input_is_refused_before_anything_is_created()
    {
        var creator = new GuestCreator(_keep, EmptyHost());
        string Id(GuestRequest r) => Assert.Throws<VirtToolsException>(() => creator.Plan(r)).ErrorId;
        Assert.Equal("GuestMemoryTooLarge", Id(new GuestRequest { Name = "cr-bad", MemoryBytes = 64L << 30 }));
        Assert.Equal("GuestProcessorsTooMany", Id(new GuestRequest { Name = "cr-bad", ProcessorCount = 1000 }));
        Assert.Equal("StoragePoolNotFound", Id(new GuestRequest { Name = "cr-bad", NewDiskSizeBytes = 1L << 30, StoragePool = "nope" }));
        Assert.Equal("NetworkNotFound", Id(new GuestRequest { Name = "cr-bad", Network = "nope" }));
        Assert.Equal("DiskNotFound", Id(new GuestRequest { Name = "cr-bad", DiskPaths = ["/images/missing.qcow2"] }));
        Assert.Equal("CdromNotFound", Id(new GuestRequest { Name = "cr-bad", CdromPath = "/images/missing.iso" }));
        Assert.Equal("ModeNeedsXen", Id(new GuestRequest { Name = "cr-bad", Mode = GuestMode.PV }));
        Assert.Null(_keep.FindDomain("cr-bad"));
    }

    [Fact]
    public void Existing_disks_are_attached_with_the_format_their_header_says()
    {
        Directory.CreateDirectory(Path.Combine(_root, "images"));
        File.WriteAllBytes(Path.Combine(_root, "images/a.qcow2"), [(byte)'Q', (byte)'F', (byte)'I', 0xfb, 0, 0, 0, 3]);
        File.WriteAllBytes(Path.Combine(_root, "images/b.img"), new byte[512]);
        var plan = new GuestCreator(_keep, EmptyHost()).Plan(new GuestRequest { Name = "cr-disks", DiskPaths = ["/images/a.qcow2", "/images/b.img"] });
        Assert.Equal(new[] { "qcow2", "raw" }, plan.Spec.Disks.Select(d => d.Format));
    }

    [Fact]
    public void Host_devices_are_checked_against_other_guests_the_iommu_group_and_the_host()
    {
        using var sim = new SimHost();
        var host = sim.Kernel.Context;
        var creator = new GuestCreator(_keep, host);
        string Id(GuestRequest r) => Assert.Throws<VirtToolsException>(() => creator.Plan(r)).ErrorId;

        var ok = creator.Plan(new GuestRequest { Name = "cr-hd1", Hypervisor = GuestHypervisor.KVM, HostDevices = [W.FreeNic] });
        Assert.Equal(W.FreeNic, ok.Spec.HostDevices.Single().ToString());
        Assert.Contains("managed=\"yes\"", ok.Xml);
        using (creator.Create(ok, start: false)) { }
        try
        {
            Assert.Equal("HostDeviceAssigned", Id(new GuestRequest { Name = "cr-hd2", Hypervisor = GuestHypervisor.KVM, HostDevices = [W.FreeNic] }));
            Assert.Equal("IommuGroupNotViable", Id(new GuestRequest { Name = "cr-hd2", Hypervisor = GuestHypervisor.KVM, HostDevices = [W.Gpu] }));
            var both = creator.Plan(new GuestRequest { Name = "cr-hd2", Hypervisor = GuestHypervisor.KVM, HostDevices = [W.Gpu, W.GpuAudio] });
            Assert.Equal(2, both.Spec.HostDevices.Count);
            Assert.Equal(HostUsage.HostUsageGuard.Ids.RootFilesystem, Id(new GuestRequest { Name = "cr-hd2", Hypervisor = GuestHypervisor.KVM, HostDevices = [W.RootNvme] }));
            Assert.Equal("PciDeviceNotFound", Id(new GuestRequest { Name = "cr-hd2", Hypervisor = GuestHypervisor.KVM, HostDevices = ["0000:7f:00.0"] }));
            Assert.Equal("HostDeviceNotOnPciback", Id(new GuestRequest { Name = "cr-hd2", Hypervisor = GuestHypervisor.Xen, HostDevices = [W.BondedNic] }));
        }
        finally
        {
            using var d = _keep.FindDomain("cr-hd1")!;
            d.Undefine();
        }
    }

    [Fact]
    public void Stop_waits_then_times_out_with_advice_to_turn_off_and_turn_off_works()
    {
        using var faulty = new FaultyConnection(LibvirtConnector.Open(LibvirtBindingTests.TestUri)) { IgnoreShutdown = true };
        using var d = faulty.DefineDomain(LibvirtBindingTests.MinimalXml("lc-stop"));
        try
        {
            d.Start();
            var ticks = 0;
            var e = Assert.Throws<VirtToolsException>(() => GuestLifecycle.Stop(d, false, TimeSpan.FromMilliseconds(600), _ => ticks++));
            Assert.Equal("GuestStopTimedOut", e.ErrorId);
            Assert.Equal(FailureKind.OperationTimeout, e.Kind);
            Assert.Contains("-TurnOff", e.RecommendedAction);
            Assert.True(ticks >= 2);
            Assert.True(d.IsActive);
            Assert.Equal(LifecycleOutcome.Changed, GuestLifecycle.Stop(d, true, TimeSpan.Zero));
            Assert.False(d.IsActive);
            Assert.Equal(LifecycleOutcome.AlreadyInState, GuestLifecycle.Stop(d, false, TimeSpan.FromSeconds(1)));
        }
        finally { d.Undefine(); }
    }

    [Fact]
    public void Lifecycle_reports_already_in_state_and_refuses_what_makes_no_sense()
    {
        using var d = _keep.DefineDomain(LibvirtBindingTests.MinimalXml("lc-states"));
        try
        {
            Assert.Equal("GuestNotRunning", Assert.Throws<VirtToolsException>(() => GuestLifecycle.Suspend(d)).ErrorId);
            Assert.Equal("GuestNotRunning", Assert.Throws<VirtToolsException>(() => GuestLifecycle.Restart(d, _keep, false, TimeSpan.FromSeconds(5))).ErrorId);
            Assert.Equal(LifecycleOutcome.Changed, GuestLifecycle.Start(d));
            Assert.Equal(LifecycleOutcome.AlreadyInState, GuestLifecycle.Start(d));
            Assert.Equal(LifecycleOutcome.AlreadyInState, GuestLifecycle.Resume(d));
            Assert.Equal(LifecycleOutcome.Changed, GuestLifecycle.Suspend(d));
            Assert.Equal(LifecycleOutcome.AlreadyInState, GuestLifecycle.Suspend(d));
            Assert.Equal("GuestPaused", Assert.Throws<VirtToolsException>(() => GuestLifecycle.Start(d)).ErrorId);
            Assert.Equal(LifecycleOutcome.Changed, GuestLifecycle.Resume(d));
            Assert.Equal(LifecycleOutcome.Changed, GuestLifecycle.Restart(d, _keep, true, TimeSpan.FromSeconds(5)));
            Assert.Equal(LifecycleOutcome.Changed, GuestLifecycle.Restart(d, _keep, false, TimeSpan.FromSeconds(5)));
            var busy = Assert.Throws<VirtToolsException>(() => GuestLifecycle.Remove(d, _keep, force: false, removeStorage: false));
            Assert.Equal("GuestRunning", busy.ErrorId);
            Assert.True(d.IsActive && d.IsPersistent);
            d.ManagedSave();
            Assert.Empty(GuestLifecycle.Remove(d, _keep, force: false, removeStorage: true));
            Assert.Null(_keep.FindDomain("lc-states"));
        }
        catch
        {
            try { d.Destroy(); } catch (LibvirtException) { }
            try { d.Undefine(DomainUndefineFlags.ManagedSave); } catch (LibvirtException) { }
            throw;
        }
    }

    [Fact]
    public void Reader_maps_state_reason_mode_firmware_and_devices()
    {
        var xml = DomainXmlBuilder.BuildString(VirtInstallCases.All["xen-pvhvm-hostdev"]);
        using var d = _keep.DefineDomain(xml, DomainDefineFlags.Validate);
        try
        {
            var g = GuestReader.Read(d, _keep.Uri);
            Assert.Equal(("Xen", "PVHVM", "Bios"), (g.Hypervisor, g.Mode, g.Firmware));
            Assert.Equal(("ShutOff", "Unknown"), (g.State, g.StateReason));
            Assert.Equal(new[] { "0000:03:00.1" }, g.HostDevices);
            Assert.Equal(new[] { "network:default" }, g.Interfaces);
            Assert.Equal(new[] { "/var/lib/libvirt/images/db01.qcow2" }, g.Disks);
            Assert.Equal(2L << 30, g.MemoryBytes);
            Assert.Equal(2, g.ProcessorCount);
            Assert.True(g.Persistent);
            Assert.Null(g.Id);
            Assert.Equal("pvh3", HostUsage.GuestDeviceUses.ForConnection(_keep, EmptyHost(), local: false).GuestOf(Pci.PciAddress.Parse("0000:03:00.1")));
        }
        finally { d.Undefine(); }
    }

    [Theory]
    [InlineData("qemu:///system", true)]
    [InlineData("test:///default", true)]
    [InlineData("qemu+unix:///system?socket=/run/x", true)]
    [InlineData("qemu+ssh://vhs01/system", false)]
    [InlineData("qemu+tcp://localhost/system", true)]
    [InlineData("xen+ssh://root@dom0.example/system", false)]
    public void Local_and_remote_uris(string uri, bool local) => Assert.Equal(local, GuestCreator.IsLocalUri(uri));
}
