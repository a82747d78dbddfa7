namespace VirtTools.Integration.GuestRunner;

/// <summary>
/// The scenarios of the Xen lab (tests/xen/run-dom0.sh): the same runner inside a real Xen 4.17 PV Dom0.
/// They record what Xen itself says (/proc/xen, /sys/hypervisor, xl) next to what the cmdlets say, so
/// the host-side tests compare the two; like the KVM scenarios they leave every NIC on its driver.
/// </summary>
public sealed partial class Scenarios
{
    private const string Pciback = "pciback";

    public IEnumerable<(string Name, Action<Scenario> Body)> XenAll() => new (string, Action<Scenario>)[]
    {
        ("xenEnvironment", XenEnvironment),
        ("xenInventory", XenInventory),
        ("pciback", PcibackRoundTrip),
        ("pcibackGuards", PcibackGuards),
        ("xenGuest", XenGuest),
    };

    private static void XenEnvironment(Scenario s)
    {
        s.Set("kernel", Guest.Read("/proc/sys/kernel/osrelease"));
        s.Set("hypervisorType", Guest.Read("/sys/hypervisor/type"));
        s.Set("xenCapabilities", Guest.Read("/proc/xen/capabilities"));
        s.Set("version", string.Join('.', new[] { "major", "minor" }.Select(f => Guest.Read($"/sys/hypervisor/version/{f}"))) + Guest.Read("/sys/hypervisor/version/extra"));
        s.Set("hypervisorCapabilities", Guest.Read("/sys/hypervisor/properties/capabilities"));
        s.Set("modules", Guest.LoadedModules());
        s.Set("xlInfo", Guest.Run("xl", "info"));
        s.Set("xlList", Guest.Run("xl", "list"));
        s.Set("devNetTun", File.Exists("/dev/net/tun"));
        s.Set("iommuGroups", Directory.Exists("/sys/kernel/iommu_groups") ? Directory.GetDirectories("/sys/kernel/iommu_groups").Length : -1);
        s.Set("nics", Directory.GetDirectories("/sys/class/net").Select(Path.GetFileName).OfType<string>().Order()
            .Select(n => new { Name = n, Mac = Guest.Read($"/sys/class/net/{n}/address"), Pci = Guest.PciOfNetDev(n) }).ToArray());
    }

    private void XenInventory(Scenario s)
    {
        s.Set("getCapability", _shell.Invoke("Get-VHSCapability"));
        s.Set("testRequirementXen", _shell.Invoke("Test-VHSRequirement -Hypervisor Xen"));
        s.Set("testRequirementDefault", _shell.Invoke("Test-VHSRequirement"));
        s.Set("kernelDevices", KernelDevices());
        s.Set("getPciDevice", _shell.Invoke("Get-PciDevice"));
        var (rc, text) = Guest.Run("lspci", "-D", "-n", "-vmm", "-k");
        s.Set("lspciExit", rc);
        s.Set("lspci", text);
    }

    private static ProgramRun AssignableList() => Guest.Run("xl", "pci-assignable-list");

    private static object XenState(string address) => new
    {
        Driver = Guest.Driver(address),
        DriverOverride = Guest.DriverOverride(address),
        NetDevs = Guest.NetDevs(address),
        Assignable = AssignableList().Output,
        PcibackSlots = Guest.Read("/sys/bus/pci/drivers/pciback/slots"),
    };

    /// <summary>Enable-VfioDevice -Driver pciback and Disable-VfioDevice on the free e1000e NIC, checked with xl.</summary>
    private void PcibackRoundTrip(Scenario s)
    {
        var nic = PciOfMac("52:54:00:12:34:02");
        s.Set("target", nic);
        if (nic is null) return;
        s.Set("before", XenState(nic));
        s.Set("whatIf", _shell.Invoke("Enable-VfioDevice -Address $args[0] -Driver pciback -WhatIf", nic));
        s.Set("afterWhatIf", XenState(nic));

        s.Set("enable", _shell.Invoke("Enable-VfioDevice -Address $args[0] -Driver pciback -Confirm:$false -PassThru", nic));
        s.Set("afterEnable", XenState(nic));
        s.Set("getPciDeviceAfterEnable", _shell.Invoke("Get-PciDevice -Address $args[0]", nic));

        s.Set("disable", _shell.Invoke("Disable-VfioDevice -Address $args[0] -Confirm:$false -PassThru", nic));
        s.Set("netDevBackAfter", Guest.WaitFor(() => Guest.NetDevs(nic).Length > 0, 10));
        s.Set("afterDisable", XenState(nic));

        // Through the pipeline, and with -Persist: what a Xen host reads at boot.
        var file = $"/etc/driverctl.d/pci-{nic}";
        s.Set("pipeEnable", _shell.Invoke("Get-PciDevice -Address $args[0] | Enable-VfioDevice -Driver pciback -Persist -Confirm:$false", nic));
        s.Set("fileAfterPipeEnable", Guest.Read(file));
        s.Set("afterPipeEnable", XenState(nic));
        s.Set("pipeDisable", _shell.Invoke("Get-PciDevice -Address $args[0] | Disable-VfioDevice -Persist -Confirm:$false", nic));
        Guest.WaitFor(() => Guest.NetDevs(nic).Length > 0, 10);
        s.Set("fileAfterPipeDisable", Guest.Read(file));
        s.Set("afterPipeDisable", XenState(nic));
        LeaveOnHostDriver(s, nic);
    }

    /// <summary>The guard that keeps the admin's link: the NIC with the default route is refused unless -Force.</summary>
    private void PcibackGuards(Scenario s)
    {
        var nic = PciOfMac("52:54:00:12:34:01");
        s.Set("target", nic);
        if (nic is null) return;
        var ifname = Guest.NetDevs(nic).FirstOrDefault();
        if (ifname is not null && Guest.DefaultRouteInterface() is null)
        {
            Guest.Run("ip", "link", "set", ifname, "up");
            Guest.Run("ip", "addr", "add", "10.0.2.15/24", "dev", ifname);
            s.Set("routeAdded", Guest.Run("ip", "route", "add", "default", "via", "10.0.2.2", "dev", ifname));
        }
        s.Set("defaultRouteInterface", Guest.DefaultRouteInterface());
        s.Set("refused", _shell.Invoke("Enable-VfioDevice -Address $args[0] -Driver pciback -Confirm:$false", nic));
        s.Set("afterRefusal", XenState(nic));
        s.Set("defaultRouteAfterRefusal", Guest.DefaultRouteInterface());
        LeaveOnHostDriver(s, nic);
    }

    /// <summary>
    /// Whatever the cmdlets did, the next scenario finds the NIC on e1000e: by hand, the way that works on
    /// xen-pciback (which keeps a device it took in its slots and claims it again at the next probe).
    /// </summary>
    private static void LeaveOnHostDriver(Scenario s, string nic)
    {
        if (Guest.Driver(nic) == NicDriver) return;
        Guest.WriteRaw(Path.Combine(Guest.Dev(nic), "driver_override"), "\n");
        if (Guest.Driver(nic) is string d) Guest.WriteRaw($"/sys/bus/pci/drivers/{d}/unbind", nic);
        Guest.WriteRaw("/sys/bus/pci/drivers/pciback/remove_slot", nic);
        Guest.WriteRaw("/sys/bus/pci/drivers_probe", nic);
        Guest.WaitFor(() => Guest.NetDevs(nic).Length > 0, 10);
        s.Set("cleanedUp", XenState(nic));
    }
}
