namespace VirtTools.Integration.GuestRunner;

/// <summary>
/// The scenarios, run in this order in one boot. Each leaves the devices as it found them (host
/// drivers bound, no override, no VFs) so a failure in one does not poison the next.
/// </summary>
public sealed partial class Scenarios
{
    private const string NicDriver = "e1000e";
    private readonly Shell _shell;

    public Scenarios(Shell shell) => _shell = shell;

    public IEnumerable<(string Name, Action<Scenario> Body)> All() => new (string, Action<Scenario>)[]
    {
        ("environment", Environment),
        ("inventory", Inventory),
        ("rawVfio", RawVfio),
        ("vfioRoundTrip", VfioRoundTrip),
        ("persist", Persist),
        ("sharedGroup", SharedGroup),
        ("defaultRoute", DefaultRoute),
        ("failedBind", FailedBind),
        ("sriov", Sriov),
        ("sriovCmdlet", SriovCmdlet),
        ("igbVf", IgbVf),
        ("unprivileged", Unprivileged),
    };

    private static void Environment(Scenario s)
    {
        s.Set("kernel", Guest.Read("/proc/sys/kernel/osrelease"));
        s.Set("cmdline", Guest.Read("/proc/cmdline"));
        s.Set("iommuGroups", Directory.GetDirectories("/sys/kernel/iommu_groups").Length);
        s.Set("modules", Guest.LoadedModules());
        var route = Guest.DefaultRouteInterface();
        s.Set("defaultRouteInterface", route);
        s.Set("nics", Directory.GetDirectories("/sys/class/net").Select(Path.GetFileName).OfType<string>().Order()
            .Select(n => new { Name = n, Mac = Guest.Read($"/sys/class/net/{n}/address"), Pci = Guest.PciOfNetDev(n), DefaultRoute = n == route })
            .ToArray());
    }

    private void Inventory(Scenario s)
    {
        s.Set("kernelDevices", KernelDevices());
        s.Set("kernelGroups", Directory.GetDirectories("/sys/kernel/iommu_groups")
            .ToDictionary(d => Path.GetFileName(d)!, d => Guest.GroupMembers(int.Parse(Path.GetFileName(d)!))));
        s.Set("getPciDevice", _shell.Invoke("Get-PciDevice"));
        s.Set("getPciDeviceWildcard", _shell.Invoke("Get-PciDevice -Address '0000:0[1-3]:00.*'"));
        s.Set("getIommuGroup", _shell.Invoke("Get-IommuGroup"));
        var (rc, text) = Guest.Run("lspci", "-D", "-n", "-vmm", "-k");
        s.Set("lspciExit", rc);
        s.Set("lspci", text);
        var (rcv, textv) = Guest.Run("lspci", "-D", "-v");
        s.Set("lspciVerboseExit", rcv);
        s.Set("lspciVerbose", textv);
    }

    /// <summary>Every PCI function as the kernel's sysfs shows it, without VirtTools.</summary>
    private static object[] KernelDevices() => Guest.Addresses().Select(a => (object)new
    {
        Address = a,
        VendorId = Hex(Guest.Read(Path.Combine(Guest.Dev(a), "vendor"))),
        DeviceId = Hex(Guest.Read(Path.Combine(Guest.Dev(a), "device"))),
        ClassCode = Hex(Guest.Read(Path.Combine(Guest.Dev(a), "class"))),
        Driver = Guest.Driver(a),
        IommuGroup = Guest.Group(a),
        SriovTotalVfs = Guest.Read(Path.Combine(Guest.Dev(a), "sriov_totalvfs")),
    }).ToArray();

    private static string? Hex(string? sysfs) => sysfs?.StartsWith("0x") == true ? sysfs[2..] : sysfs;

    /// <summary>The e1000e NICs: the one carrying the default route, and the free one run-guest.sh gives MAC ...:02.</summary>
    private static (string? RouteNic, string? FreeNic) Nics()
    {
        var route = Guest.DefaultRouteInterface();
        var routePci = route is null ? null : Guest.PciOfNetDev(route);
        return (routePci, PciOfMac("52:54:00:12:34:02"));
    }

    private static string? PciOfMac(string mac) =>
        Directory.GetDirectories("/sys/class/net").Select(Path.GetFileName).OfType<string>()
            .Where(n => Guest.Read($"/sys/class/net/{n}/address") == mac).Select(Guest.PciOfNetDev).FirstOrDefault();

    private static object State(string address)
    {
        var g = Guest.Group(address);
        return new
        {
            Driver = Guest.Driver(address),
            DriverOverride = Guest.DriverOverride(address),
            NetDevs = Guest.NetDevs(address),
            IommuGroup = g,
            VfioNode = g is int n && Guest.VfioNode(n),
            GroupDrivers = g is int m ? Guest.GroupMembers(m).ToDictionary(x => x, x => Guest.Driver(x)) : null,
        };
    }

    /// <summary>
    /// The bind sequence by hand, without VirtTools: proves the guest can do what the cmdlets are then
    /// asked to do, and measures the errnos of the writes a binder can get wrong.
    /// </summary>
    private static void RawVfio(Scenario s)
    {
        var (_, nic) = Nics();
        s.Set("target", nic);
        if (nic is null) return;
        var dev = Guest.Dev(nic);
        var group = Guest.Group(nic);
        s.Set("before", State(nic));
        s.Set("override", Guest.WriteRaw(Path.Combine(dev, "driver_override"), "vfio-pci"));
        s.Set("probeWhileBound", Guest.WriteRaw("/sys/bus/pci/drivers_probe", nic));
        s.Set("driverAfterProbeWhileBound", Guest.Driver(nic));
        s.Set("unbind", Guest.WriteRaw($"/sys/bus/pci/drivers/{NicDriver}/unbind", nic));
        s.Set("probe", Guest.WriteRaw("/sys/bus/pci/drivers_probe", nic));
        s.Set("vfioNodeAppearedAfter", group is int g1 ? Guest.WaitFor(() => Guest.VfioNode(g1), 5) : null);
        s.Set("bound", State(nic));
        s.Set("bindAgain", Guest.WriteRaw("/sys/bus/pci/drivers/vfio-pci/bind", nic));
        s.Set("unbindFromOtherDriver", Guest.WriteRaw($"/sys/bus/pci/drivers/{NicDriver}/unbind", nic));
        s.Set("bindToOtherDriverWhileBound", Guest.WriteRaw($"/sys/bus/pci/drivers/{NicDriver}/bind", nic));
        s.Set("probeUnknownAddress", Guest.WriteRaw("/sys/bus/pci/drivers_probe", "0000:7f:1f.7"));
        s.Set("overrideTooLong", Guest.WriteRaw(Path.Combine(dev, "driver_override"), new string('x', 5000)));
        s.Set("unbindVfio", Guest.WriteRaw("/sys/bus/pci/drivers/vfio-pci/unbind", nic));
        s.Set("unbindWhenUnbound", Guest.WriteRaw("/sys/bus/pci/drivers/vfio-pci/unbind", nic));
        s.Set("clearOverride", Guest.WriteRaw(Path.Combine(dev, "driver_override"), "\n"));
        s.Set("overrideAfterClear", Guest.DriverOverride(nic));
        // With the override cleared, a bind to vfio-pci by address needs a matching id table: refused.
        s.Set("bindVfioWithoutOverride", Guest.WriteRaw("/sys/bus/pci/drivers/vfio-pci/bind", nic));
        s.Set("reprobe", Guest.WriteRaw("/sys/bus/pci/drivers_probe", nic));
        s.Set("vfioNodeGoneAfter", group is int g2 ? Guest.WaitFor(() => !Guest.VfioNode(g2), 5) : null);
        s.Set("netDevBackAfter", Guest.WaitFor(() => Guest.NetDevs(nic).Length > 0, 10));
        s.Set("after", State(nic));
    }

    private void VfioRoundTrip(Scenario s)
    {
        var (_, nic) = Nics();
        s.Set("target", nic);
        if (nic is null) return;
        var group = Guest.Group(nic);
        s.Set("before", State(nic));

        s.Set("whatIf", _shell.Invoke("Enable-VfioDevice -Address $args[0] -WhatIf", nic));
        s.Set("afterWhatIf", State(nic));

        var t = System.Diagnostics.Stopwatch.StartNew();
        s.Set("enable", _shell.Invoke("Enable-VfioDevice -Address $args[0] -Confirm:$false -PassThru", nic));
        s.Set("enableSeconds", Math.Round(t.Elapsed.TotalSeconds, 3));
        s.Set("vfioNodeAppearedAfter", group is int g1 ? Guest.WaitFor(() => Guest.VfioNode(g1), 5) : null);
        s.Set("afterEnable", State(nic));
        s.Set("getPciDeviceAfterEnable", _shell.Invoke("Get-PciDevice -Address $args[0]", nic));
        s.Set("getIommuGroupAfterEnable", _shell.Invoke("Get-IommuGroup"));

        t.Restart();
        s.Set("disable", _shell.Invoke("Disable-VfioDevice -Address $args[0] -Confirm:$false -PassThru", nic));
        s.Set("disableSeconds", Math.Round(t.Elapsed.TotalSeconds, 3));
        s.Set("vfioNodeGoneAfter", group is int g2 ? Guest.WaitFor(() => !Guest.VfioNode(g2), 5) : null);
        s.Set("netDevBackAfter", Guest.WaitFor(() => Guest.NetDevs(nic).Length > 0, 10));
        s.Set("afterDisable", State(nic));

        // The same through the pipeline, binding by property name from Get-PciDevice.
        s.Set("pipeEnable", _shell.Invoke("Get-PciDevice -Address $args[0] | Enable-VfioDevice -Confirm:$false", nic));
        s.Set("afterPipeEnable", State(nic));
        s.Set("pipeDisable", _shell.Invoke("Get-PciDevice -Address $args[0] | Disable-VfioDevice -Confirm:$false", nic));
        Guest.WaitFor(() => Guest.NetDevs(nic).Length > 0, 10);
        s.Set("afterPipeDisable", State(nic));
    }

    /// <summary>-Persist on a real root: the guest's /etc is the host's under a tmpfs overlay.</summary>
    private void Persist(Scenario s)
    {
        var (_, nic) = Nics();
        s.Set("target", nic);
        if (nic is null) return;
        var file = $"/etc/driverctl.d/pci-{nic}";
        s.Set("fileBefore", Guest.Read(file));
        s.Set("enable", _shell.Invoke("Enable-VfioDevice -Address $args[0] -Persist -Confirm:$false", nic));
        s.Set("fileAfterEnable", Guest.Read(file));
        s.Set("getPciDeviceAfterEnable", _shell.Invoke("Get-PciDevice -Address $args[0]", nic));
        s.Set("afterEnable", State(nic));
        s.Set("disable", _shell.Invoke("Disable-VfioDevice -Address $args[0] -Persist -Confirm:$false", nic));
        Guest.WaitFor(() => Guest.NetDevs(nic).Length > 0, 10);
        s.Set("fileAfterDisable", Guest.Read(file));
        s.Set("getPciDeviceAfterDisable", _shell.Invoke("Get-PciDevice -Address $args[0]", nic));
        s.Set("afterDisable", State(nic));
    }

    /// <summary>
    /// The two-function NIC without ACS: both functions share one IOMMU group, so binding one leaves
    /// the group non-viable until -IncludeIommuGroup takes the other too.
    /// </summary>
    private void SharedGroup(Scenario s)
    {
        var first = PciOfMac("52:54:00:12:34:03");
        s.Set("target", first);
        if (first is null || Guest.Group(first) is not int group) return;
        var members = Guest.GroupMembers(group);
        s.Set("members", members);
        s.Set("before", State(first));

        s.Set("enableOne", _shell.Invoke("Enable-VfioDevice -Address $args[0] -Confirm:$false", first));
        s.Set("afterEnableOne", State(first));
        s.Set("groupAfterEnableOne", _shell.Invoke("Get-IommuGroup | Where-Object Number -eq $args[0]", group));

        s.Set("enableGroup", _shell.Invoke("Enable-VfioDevice -Address $args[0] -IncludeIommuGroup -Confirm:$false -PassThru", first));
        s.Set("afterEnableGroup", State(first));
        s.Set("groupAfterEnableGroup", _shell.Invoke("Get-IommuGroup | Where-Object Number -eq $args[0]", group));

        s.Set("disableAll", _shell.Invoke("Disable-VfioDevice -Address $args[0] -Confirm:$false", (object)members));
        foreach (var m in members) Guest.WaitFor(() => Guest.NetDevs(m).Length > 0, 10);
        s.Set("afterDisableAll", members.ToDictionary(m => m, State));
    }

    private void DefaultRoute(Scenario s)
    {
        var (nic, _) = Nics();
        s.Set("target", nic);
        if (nic is null) return;
        var ifname = Guest.DefaultRouteInterface();
        s.Set("before", State(nic));

        s.Set("refused", _shell.Invoke("Enable-VfioDevice -Address $args[0] -Confirm:$false", nic));
        s.Set("afterRefusal", State(nic));
        s.Set("defaultRouteAfterRefusal", Guest.DefaultRouteInterface());

        s.Set("forced", _shell.Invoke("Enable-VfioDevice -Address $args[0] -Force -Confirm:$false", nic));
        s.Set("afterForce", State(nic));
        s.Set("defaultRouteAfterForce", Guest.DefaultRouteInterface());

        DisableAndRecord(s, nic, "disable", "afterDisable");

        // Put the route back (the netdev came back unconfigured) so later scenarios see the same host.
        var dev = Guest.NetDevs(nic).FirstOrDefault() ?? ifname;
        if (dev is not null && Guest.DefaultRouteInterface() is null)
        {
            Guest.Run("ip", "link", "set", dev, "up");
            Guest.Run("ip", "addr", "add", "10.0.2.15/24", "dev", dev);
            s.Set("routeRestored", Guest.Run("ip", "route", "add", "default", "via", "10.0.2.2", "dev", dev).ExitCode == 0);
        }
    }

    private void FailedBind(Scenario s)
    {
        var (_, nic) = Nics();
        s.Set("target", nic);
        if (nic is null) return;
        s.Set("before", State(nic));

        // Method 1: the cmdlet is asked for a driver that does not exist.
        s.Set("bogusDriver", _shell.Invoke("Enable-VfioDevice -Address $args[0] -Driver vt-no-such-driver -Confirm:$false", nic));
        s.Set("afterBogusDriver", State(nic));
        DisableAndRecord(s, nic, "disableAfterBogus", "afterDisableBogus");

        // Method 2: a bind that died half-way, as when vfio-pci cannot be loaded: the override says
        // vfio-pci, the host driver is gone, and no vfio-pci module exists to claim the device.
        s.Set("rmmodVfioPci", Guest.Run("busybox", "rmmod", "vfio_pci"));
        s.Set("halfOverride", Guest.WriteRaw(Path.Combine(Guest.Dev(nic), "driver_override"), "vfio-pci"));
        s.Set("halfUnbind", Guest.WriteRaw($"/sys/bus/pci/drivers/{NicDriver}/unbind", nic));
        s.Set("halfProbe", Guest.WriteRaw("/sys/bus/pci/drivers_probe", nic));
        s.Set("afterHalfBind", State(nic));
        DisableAndRecord(s, nic, "disableAfterHalf", "afterDisableHalf");

        // Method 3: the cmdlet's own bind fails part-way, because vfio_pci is unloaded and its module
        // file is unusable (an empty file bind-mounted over it, in the guest only): modprobe fails.
        var ko = ModuleFile("vfio_pci");
        s.Set("moduleFile", ko);
        if (ko is not null)
        {
            s.Set("rmmodVfioPci2", Guest.Run("busybox", "rmmod", "vfio_pci"));
            File.WriteAllText("/run/empty.ko", "");
            s.Set("hideModule", Guest.Run("busybox", "mount", "--bind", "/run/empty.ko", ko));
            s.Set("unloadableModule", _shell.Invoke("Enable-VfioDevice -Address $args[0] -Confirm:$false", nic));
            s.Set("afterUnloadableModule", State(nic));
            s.Set("unhideModule", Guest.Run("busybox", "umount", ko));
            DisableAndRecord(s, nic, "disableAfterUnloadable", "afterDisableUnloadable");
        }
        s.Set("modprobeVfioPci", Guest.Run("busybox", "modprobe", "vfio_pci"));

        // Method 4: the bind itself succeeds but the cmdlet's last check fails, so it must roll back
        // a device it has already moved: an empty tmpfs over /dev/vfio hides the new group node.
        s.Set("hideVfioNodes", Guest.Run("busybox", "mount", "-t", "tmpfs", "hidevfio", "/dev/vfio"));
        s.Set("nodeHidden", _shell.Invoke("Enable-VfioDevice -Address $args[0] -Confirm:$false", nic));
        s.Set("unhideVfioNodes", Guest.Run("busybox", "umount", "/dev/vfio"));
        s.Set("afterNodeHidden", State(nic));
        DisableAndRecord(s, nic, "disableAfterNodeHidden", "afterDisableNodeHidden");

        // Leave the NIC on its driver whatever the cmdlet did.
        if (Guest.Driver(nic) != NicDriver)
        {
            Guest.WriteRaw(Path.Combine(Guest.Dev(nic), "driver_override"), "\n");
            if (Guest.Driver(nic) is string d) Guest.WriteRaw($"/sys/bus/pci/drivers/{d}/unbind", nic);
            Guest.WriteRaw("/sys/bus/pci/drivers_probe", nic);
            s.Set("cleanedUp", State(nic));
        }
    }

    /// <summary>The module's file under /lib/modules, from modules.dep.</summary>
    private static string? ModuleFile(string module)
    {
        var dir = $"/lib/modules/{Guest.Read("/proc/sys/kernel/osrelease")}";
        foreach (var line in (Guest.Read(Path.Combine(dir, "modules.dep")) ?? "").Split('\n'))
        {
            var file = line.Split(':')[0];
            var name = Path.GetFileName(file).Split('.')[0].Replace('-', '_');
            if (name == module) return Path.Combine(dir, file);
        }
        return null;
    }

    /// <summary>Disable-VfioDevice, then the state once the host driver has had time to bring its netdev back.</summary>
    private void DisableAndRecord(Scenario s, string nic, string invocationKey, string stateKey)
    {
        s.Set(invocationKey, _shell.Invoke("Disable-VfioDevice -Address $args[0] -Confirm:$false", nic));
        Guest.WaitFor(() => Guest.NetDevs(nic).Length > 0, 10);
        s.Set(stateKey, State(nic));
    }

    private void Sriov(Scenario s)
    {
        var pf = Guest.Addresses().FirstOrDefault(a => File.Exists(Path.Combine(Guest.Dev(a), "sriov_totalvfs")));
        s.Set("pf", pf);
        if (pf is null) return;
        var numvfs = Path.Combine(Guest.Dev(pf), "sriov_numvfs");
        var total = int.Parse(Guest.Read(Path.Combine(Guest.Dev(pf), "sriov_totalvfs"))!);
        s.Set("pfDriver", Guest.Driver(pf));
        s.Set("totalVfsRaw", total);
        s.Set("getPfBefore", _shell.Invoke("Get-PciDevice -Address $args[0]", pf));

        s.Set("writeAboveTotal", Guest.WriteRaw(numvfs, (total + 1).ToString()));
        s.Set("numVfsAfterAboveTotal", Guest.Read(numvfs));
        var enable = Guest.WriteRaw(numvfs, "2");
        s.Set("writeTwo", enable);
        s.Set("numVfsAfterTwo", Guest.Read(numvfs));
        var vfs = Directory.GetFileSystemEntries(Guest.Dev(pf), "virtfn*").Order().Select(Guest.LinkName).OfType<string>().ToArray();
        s.Set("kernelVfs", vfs);
        // VF drivers probe asynchronously; give them a moment so the snapshot is stable.
        Thread.Sleep(1000);
        s.Set("kernelVfState", vfs.ToDictionary(v => v, v => new
        {
            PhysFn = Guest.LinkName(Path.Combine(Guest.Dev(v), "physfn")),
            Driver = Guest.Driver(v),
            IommuGroup = Guest.Group(v),
            DeviceId = Hex(Guest.Read(Path.Combine(Guest.Dev(v), "device"))),
        }));
        s.Set("getPciDeviceWithVfs", _shell.Invoke("Get-PciDevice"));
        s.Set("getIommuGroupWithVfs", _shell.Invoke("Get-IommuGroup"));
        s.Set("writeSameAgain", Guest.WriteRaw(numvfs, "2"));
        s.Set("writeDifferent", Guest.WriteRaw(numvfs, "3"));
        s.Set("numVfsAfterDifferent", Guest.Read(numvfs));
        s.Set("writeGarbage", Guest.WriteRaw(numvfs, "abc"));
        s.Set("writeNegative", Guest.WriteRaw(numvfs, "-1"));

        if (vfs.Length > 0)
        {
            s.Set("vfEnable", _shell.Invoke("Enable-VfioDevice -Address $args[0] -Confirm:$false", vfs[0]));
            s.Set("vfAfterEnable", State(vfs[0]));
            s.Set("vfDisable", _shell.Invoke("Disable-VfioDevice -Address $args[0] -Confirm:$false", vfs[0]));
            s.Set("vfAfterDisable", State(vfs[0]));
        }

        s.Set("writeZero", Guest.WriteRaw(numvfs, "0"));
        s.Set("numVfsAfterZero", Guest.Read(numvfs));
        s.Set("getPciDeviceAfterZero", _shell.Invoke("Get-PciDevice"));

        // With the PF unbound there is no driver to configure SR-IOV.
        s.Set("unbindPf", Guest.WriteRaw($"/sys/bus/pci/drivers/{Guest.Driver(pf)}/unbind", pf));
        s.Set("writeWhileUnbound", Guest.WriteRaw(numvfs, "1"));
        s.Set("reprobePf", Guest.WriteRaw("/sys/bus/pci/drivers_probe", pf));
        s.Set("pfDriverAfter", Guest.Driver(pf));
    }
}
