using System.Xml.Linq;
using VirtTools.Host;
using VirtTools.HostUsage;
using VirtTools.Libvirt;
using VirtTools.Pci;
using VirtTools.Sriov;
using VirtTools.Testing;
using VirtTools.Tests.Guests;
using VirtTools.Tests.Libvirt;
using VirtTools.Vfio;
using W = VirtTools.Testing.SimulatedHosts.Workstation;

namespace VirtTools.Tests;

/// <summary>
/// One answer to "which libvirt guest uses this PCI device": what Get-PciDevice shows as
/// AssignedToGuest (<see cref="GuestDeviceUses.GuestOf"/>) is what the guards of
/// Disable-/Enable-VfioDevice and Set-SriovVfCount act on, whether libvirt's files or libvirtd
/// (here the test driver, standing in for this host's daemon) know the guest.
/// </summary>
[Collection(TestDriverCollection.Name)]
public sealed class GuestDeviceUsesTests : IDisposable
{
    private static readonly PciAddress Nic = PciAddress.Parse(W.FreeNic);
    private readonly SimHost _h = new(root => SimulatedHosts.CreateSriovWorkstation(root, vfioLoaded: true));
    // test:///default keeps its guests only while a connection is open.
    private readonly ILibvirtConnection _keep = LibvirtConnector.Open(LibvirtBindingTests.TestUri);
    private readonly List<string> _guests = new();

    public void Dispose()
    {
        try
        {
            foreach (var name in _guests)
            {
                using var d = _keep.FindDomain(name);
                if (d is null) continue;
                var persistent = d.IsPersistent;
                if (d.IsActive) d.Destroy();
                if (persistent) d.Undefine();
            }
        }
        finally
        {
            _keep.Dispose();
            _h.Dispose();
        }
    }

    /// <summary>The simulated host as the cmdlets see it; with a daemon socket, libvirtd (the test driver) is asked too.</summary>
    private HostContext Host(bool daemon = false)
    {
        if (daemon) _h.Kernel.Tree.File("/run/libvirt/libvirt-sock", "");
        var k = _h.Kernel.Context;
        return new HostContext(k.Files, k.Modules, k.Processes) { OpenLibvirt = _ => LibvirtConnector.Open(LibvirtBindingTests.TestUri) };
    }

    private static string Hostdev(PciAddress a, bool managed = false, bool decimalAttributes = false) => decimalAttributes
        ? $"<hostdev mode='subsystem' type='pci' managed='{(managed ? "yes" : "no")}'><source><address domain='{a.Domain}' bus='{a.Bus}' slot='{a.Slot}' function='{a.Function}'/></source></hostdev>"
        : $"<hostdev mode='subsystem' type='pci' managed='{(managed ? "yes" : "no")}'><source><address domain='0x{a.Domain:x4}' bus='0x{a.Bus:x2}' slot='0x{a.Slot:x2}' function='0x{a.Function:x}'/></source></hostdev>";

    private static string HostdevInterface(PciAddress a) =>
        $"<interface type='hostdev' managed='yes'><source><address type='pci' domain='0x{a.Domain:x4}' bus='0x{a.Bus:x2}' slot='0x{a.Slot:x2}' function='0x{a.Function:x}'/></source></interface>";

    private static string Domain(string name, string devices, string type = "kvm") =>
        $"<domain type='{type}'><name>{name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='i686'>hvm</type></os><devices>{devices}</devices></domain>";

    /// <summary>A persistent definition in /etc/libvirt/qemu.</summary>
    private void DefinedFile(string name, string devices) => _h.Kernel.Tree.File($"/etc/libvirt/qemu/{name}.xml", Domain(name, devices));

    /// <summary>A running guest's status file in /run/libvirt/qemu (its live definition inside &lt;domstatus&gt;).</summary>
    private void StatusFile(string name, string devices) =>
        _h.Kernel.Tree.File($"/run/libvirt/qemu/{name}.xml", $"<domstatus state='running' reason='booted' pid='4242'>{Domain(name, devices)}</domstatus>");

    private ILibvirtDomain DefineInLibvirt(string name, string devices)
    {
        _guests.Add(name);
        return _keep.DefineDomain(Domain(name, devices, "test"));
    }

    /// <summary>Arranges one situation around <see cref="Nic"/>; returns the host context to look at it through.</summary>
    private HostContext Arrange(string scenario)
    {
        switch (scenario)
        {
            case "defined, unmanaged hostdev":
                DefinedFile("db01", Hostdev(Nic));
                return Host();
            case "defined, managed hostdev with decimal attributes":
                DefinedFile("db01", Hostdev(Nic, managed: true, decimalAttributes: true));
                return Host();
            case "running (status file)":
                DefinedFile("db01", Hostdev(Nic));
                StatusFile("db01", Hostdev(Nic));
                return Host();
            case "several guests, one running":
                DefinedFile("web01", Hostdev(Nic));
                DefinedFile("web02", Hostdev(Nic, managed: true));
                StatusFile("web02", Hostdev(Nic, managed: true));
                return Host();
            case "several guests defined":
                DefinedFile("app02", Hostdev(Nic));
                DefinedFile("app01", Hostdev(Nic, managed: true));
                return Host();
            case "libvirtd: defined only":
                DefineInLibvirt("cold01", Hostdev(Nic)).Dispose();
                return Host(daemon: true);
            case "libvirtd: transient and running":
                using (var d = DefineInLibvirt("tr01", Hostdev(Nic, managed: true)))
                {
                    d.Start();
                    d.Undefine();
                }
                return Host(daemon: true);
            case "libvirtd: running with a device its persistent definition lacks":
                using (var d = DefineInLibvirt("hot01", Hostdev(Nic)))
                {
                    d.Start();
                    var next = XElement.Parse(Domain("hot01", "", "test"));
                    next.Add(new XElement("uuid", d.Uuid.ToString()));
                    _keep.DefineDomain(next.ToString()).Dispose();
                    Assert.DoesNotContain("hostdev", d.GetXml(DomainXmlFlags.Inactive));
                    Assert.Contains("hostdev", d.GetXml());
                }
                return Host(daemon: true);
            case "libvirtd: running without a device its persistent definition has":
                using (var d = DefineInLibvirt("cold02", ""))
                {
                    d.Start();
                    var next = XElement.Parse(Domain("cold02", Hostdev(Nic), "test"));
                    next.Add(new XElement("uuid", d.Uuid.ToString()));
                    _keep.DefineDomain(next.ToString()).Dispose();
                }
                return Host(daemon: true);
            case "file and libvirtd name different guests, libvirtd's runs":
                DefinedFile("files01", Hostdev(Nic));
                using (var d = DefineInLibvirt("daemon01", Hostdev(Nic))) d.Start();
                return Host(daemon: true);
            default:
                throw new ArgumentOutOfRangeException(nameof(scenario), scenario, null);
        }
    }

    public static TheoryData<string, string, bool> Scenarios => new()
    {
        { "defined, unmanaged hostdev", "db01", false },
        { "defined, managed hostdev with decimal attributes", "db01", false },
        { "running (status file)", "db01", true },
        { "several guests, one running", "web02", true },
        { "several guests defined", "app01", false },
        { "libvirtd: defined only", "cold01", false },
        { "libvirtd: transient and running", "tr01", true },
        { "libvirtd: running with a device its persistent definition lacks", "hot01", true },
        { "libvirtd: running without a device its persistent definition has", "cold02", false },
        { "file and libvirtd name different guests, libvirtd's runs", "daemon01", true },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Get_PciDevice_and_the_Vfio_guards_name_the_same_guest(string scenario, string guest, bool running)
    {
        var host = Arrange(scenario);
        // What Get-PciDevice shows as AssignedToGuest.
        Assert.Equal(guest, GuestDeviceUses.ForHost(host).GuestOf(Nic));
        Assert.Equal(running, GuestDeviceUses.ForHost(host).Of(Nic)[0].Running);

        var enable = new VfioBinder(host, VfioBinderTests.Fast());
        var enabled = enable.Execute(enable.PlanEnable(Nic));
        Assert.Contains(enabled.Plan.Warnings, w => w.Contains($"'{guest}'") && w.Contains(", running") == running);

        var e = Assert.Throws<VirtToolsException>(() => new VfioBinder(host, VfioBinderTests.Fast()).PlanDisable(Nic));
        Assert.Equal(running ? VfioBinder.GuestIds.Running : VfioBinder.GuestIds.Defined, e.ErrorId);
        Assert.Contains($"'{guest}'", e.Message);
        Assert.Equal(W.FreeNic, e.Target);

        var forced = new VfioBinder(host, VfioBinderTests.Fast(o => o.Force = true));
        if (running)
            Assert.Equal(VfioBinder.GuestIds.Running, Assert.Throws<VirtToolsException>(() => forced.PlanDisable(Nic)).ErrorId);
        else
            Assert.Contains(forced.PlanDisable(Nic).Warnings, w => w.Contains(VfioBinder.GuestIds.Defined) && w.Contains($"'{guest}'"));
    }

    [Fact]
    public void Several_guests_defined_with_one_device_are_all_named_by_the_guard()
    {
        var host = Arrange("several guests defined");
        Assert.Equal(new[] { "app01", "app02" }, GuestDeviceUses.ForHost(host).Of(Nic).Select(u => u.Guest));
        var enable = new VfioBinder(host, VfioBinderTests.Fast());
        enable.Execute(enable.PlanEnable(Nic));
        var e = Assert.Throws<VirtToolsException>(() => new VfioBinder(host, VfioBinderTests.Fast()).PlanDisable(Nic));
        Assert.Contains("'app01', 'app02'", e.Message);
    }

    [Fact]
    public void One_binder_asks_libvirtd_once_for_every_device_it_plans()
    {
        var vfs = CreateVfs(3);
        var host = Host(daemon: true);
        var opens = 0;
        host = new HostContext(host.Files, host.Modules, host.Processes) { OpenLibvirt = u => { opens++; return LibvirtConnector.Open(LibvirtBindingTests.TestUri); } };
        var binder = new VfioBinder(host, VfioBinderTests.Fast());
        foreach (var vf in vfs) binder.PlanEnable(vf);
        Assert.Equal(1, opens);
    }

    private PciAddress[] CreateVfs(int n)
    {
        var pf = $"/sys/bus/pci/devices/{W.SriovNic}";
        _h.Kernel.Write(pf + "/sriov_numvfs", n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _h.Kernel.ClearLog();
        return _h.Kernel.List(pf).Where(e => e.StartsWith("virtfn", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .Select(e => PciAddress.Parse(HostPath.LinkName(_h.Kernel, $"{pf}/{e}")!)).ToArray();
    }

    public static TheoryData<string, string, bool> VfScenarios => new()
    {
        { "hostdev interface (file)", "vf01", false },
        { "VF pool network, actual hostdev (status file)", "vf02", true },
        { "managed hostdev by VF address (libvirtd)", "vf03", true },
        { "hostdev interface (libvirtd, defined only)", "vf04", false },
    };

    [Theory]
    [MemberData(nameof(VfScenarios))]
    public void Get_PciDevice_and_Set_SriovVfCount_name_the_same_guest_for_a_vf(string scenario, string guest, bool running)
    {
        var vf = CreateVfs(2)[1];
        HostContext host;
        switch (scenario)
        {
            case "hostdev interface (file)":
                DefinedFile(guest, HostdevInterface(vf));
                host = Host();
                break;
            case "VF pool network, actual hostdev (status file)":
                DefinedFile(guest, "<interface type='network'><source network='vf-pool'/></interface>");
                StatusFile(guest, "<interface type='network'><source network='vf-pool'/><actual type='hostdev' managed='yes'><source>" +
                    $"<address type='pci' domain='0x{vf.Domain:x4}' bus='0x{vf.Bus:x2}' slot='0x{vf.Slot:x2}' function='0x{vf.Function:x}'/></source></actual></interface>");
                host = Host();
                break;
            case "managed hostdev by VF address (libvirtd)":
                using (var d = DefineInLibvirt(guest, Hostdev(vf, managed: true))) d.Start();
                host = Host(daemon: true);
                break;
            case "hostdev interface (libvirtd, defined only)":
                DefineInLibvirt(guest, HostdevInterface(vf)).Dispose();
                host = Host(daemon: true);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(scenario), scenario, null);
        }
        var uses = GuestDeviceUses.ForHost(host);
        Assert.Equal(guest, uses.GuestOf(vf));
        Assert.Equal(running, uses.Of(vf)[0].Running);

        var cfg = new SriovConfigurator(host, new SriovOptions { PollInterval = TimeSpan.Zero, Sleep = _ => { }, LockTimeout = TimeSpan.FromMilliseconds(200) });
        var e = Assert.Throws<VirtToolsException>(() => cfg.PlanSetCount(PciAddress.Parse(W.SriovNic), 0));
        Assert.Equal(SriovConfigurator.Ids.InGuest, e.ErrorId);
        Assert.Contains($"'{guest}'", e.Message);
        Assert.Contains(vf.ToString(), e.Message);
        Assert.Empty(_h.Kernel.Writes);
    }

    [Fact]
    public void A_recorded_root_is_read_from_its_files_and_this_machines_libvirtd_is_never_asked()
    {
        DefinedFile("db01", Hostdev(Nic));
        _h.Kernel.Tree.File("/run/libvirt/libvirt-sock", "");
        var fs = new DiskFileSystem(_h.Root);
        var runner = new SystemProcessRunner();
        var recorded = new HostContext(fs, new ModprobeLoader(fs, runner), runner)
        {
            OpenLibvirt = uri => throw new InvalidOperationException($"asked {uri} about a recorded root"),
        };
        Assert.False(recorded.ProgramsSeeThisRoot);
        var uses = GuestDeviceUses.ForHost(recorded);
        Assert.Equal("db01", uses.GuestOf(Nic));
        Assert.Equal("/etc/libvirt/qemu/db01.xml", uses.Of(Nic)[0].File);
        Assert.DoesNotContain(uses.Problems, p => p.StartsWith("libvirt:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_daemon_that_refuses_is_a_problem_line_and_the_files_still_answer()
    {
        DefinedFile("db01", Hostdev(Nic));
        StatusFile("db01", Hostdev(Nic));
        _h.Kernel.Tree.File("/run/libvirt/libvirt-sock", "");
        var k = _h.Kernel.Context;
        var host = new HostContext(k.Files, k.Modules, k.Processes) { OpenLibvirt = _ => throw FaultyConnection.Injected("virConnectOpenAuth") };
        var uses = GuestDeviceUses.ForHost(host);
        Assert.Equal("db01", uses.GuestOf(Nic));
        Assert.True(uses.Of(Nic)[0].Running);
        Assert.Equal("/run/libvirt/qemu/db01.xml", uses.Of(Nic)[0].File);
        Assert.Contains(uses.Problems, p => p.StartsWith("libvirt:", StringComparison.Ordinal) && p.Contains("injected failure"));
        var enable = new VfioBinder(host, VfioBinderTests.Fast());
        enable.Execute(enable.PlanEnable(Nic));
        var e = Assert.Throws<VirtToolsException>(() => new VfioBinder(host, VfioBinderTests.Fast(o => o.Force = true)).PlanDisable(Nic));
        Assert.Equal(VfioBinder.GuestIds.Running, e.ErrorId);
    }

    [Fact]
    public void A_failure_on_the_callers_own_connection_is_the_callers_error_not_a_silent_gap()
    {
        var k = _h.Kernel.Context;
        using var c = new FaultyConnection(LibvirtConnector.Open(LibvirtBindingTests.TestUri)) { FailList = true };
        var uses = GuestDeviceUses.ForConnection(c, new HostContext(k.Files, k.Modules, k.Processes), local: true);
        Assert.Equal("LibvirtError", Assert.Throws<LibvirtException>(() => uses.Of(Nic)).ErrorId);
    }

    [Fact]
    public void Device_addresses_are_pci_hostdevs_and_hostdev_interfaces_only()
    {
        var domain = XElement.Parse(Domain("x",
            Hostdev(PciAddress.Parse("0000:03:00.0")) +
            Hostdev(PciAddress.Parse("0000:03:00.0"), managed: true) +
            HostdevInterface(PciAddress.Parse("0000:08:10.1")) +
            "<interface type='network'><actual type='hostdev'><source><address type='pci' domain='0x0000' bus='0x08' slot='0x10' function='0x3'/></source></actual></interface>" +
            "<interface type='network'><source network='default'/><address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></interface>" +
            "<hostdev mode='subsystem' type='usb'><source><address bus='1' device='2'/></source></hostdev>" +
            "<hostdev mode='subsystem' type='pci'><source><address type='drive' domain='0' bus='9' slot='0' function='0'/></source></hostdev>" +
            "<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='9' slot='0x20' function='0'/></source></hostdev>"));
        Assert.Equal(new[] { "0000:03:00.0", "0000:08:10.1", "0000:08:10.3" },
            VirtTools.Guests.GuestReader.HostDeviceAddresses(domain).Select(a => a.ToString()).Order(StringComparer.Ordinal));
    }
}
