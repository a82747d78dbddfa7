namespace VirtTools.Testing;

/// <summary>
/// Ready-made simulated hosts for xUnit and Pester. The workstation has one function for every
/// safety refusal, one free NIC, and a GPU that shares its IOMMU group with its audio function
/// and a root port.
/// </summary>
public static class SimulatedHosts
{
    /// <summary>The workstation's functions.</summary>
    public static class Workstation
    {
        /// <summary>Root port above the GPU, in the GPU's group (no ACS), pcieport.</summary>
        public const string GpuRootPort = "0000:00:01.0";
        public const string Gpu = "0000:01:00.0";
        public const string GpuAudio = "0000:01:00.1";
        /// <summary>Integrated GPU, boot_vga = 1, i915.</summary>
        public const string BootVga = "0000:00:02.0";
        public const string NicRootPort = "0000:00:1c.0";
        /// <summary>Unused e1000e NIC (enp3s0): the one that can be passed through.</summary>
        public const string FreeNic = "0000:03:00.0";
        /// <summary>NVMe holding the root file system through a multipath head disk (nvme0n1p2).</summary>
        public const string RootNvme = "0000:04:00.0";
        /// <summary>e1000e NIC eno1, carrying the default route.</summary>
        public const string RouteNic = "0000:00:1f.6";
        /// <summary>igb NIC enp5s0, enslaved to bond0, which is in br0, which holds the SSH server address.</summary>
        public const string BondedNic = "0000:05:00.0";
        /// <summary>AHCI with sda: sda1 under dm-0 (LVM data-srv, mounted on /srv), sda2 active swap.</summary>
        public const string SataSwapLvm = "0000:06:00.0";
        /// <summary>Second AHCI with sdb: sdb1 is a member of md127 (not mounted).</summary>
        public const string SataMdMember = "0000:07:00.0";
        /// <summary>The SSH_CONNECTION of a session that came in on br0.</summary>
        public const string SshConnection = "203.0.113.5 51234 192.0.2.10 22";
        /// <summary>SR-IOV NIC (82599, ixgbe, enp8s0f0) on <see cref="CreateSriovWorkstation"/> only: TotalVFs 8, VFs 8086:10ed for ixgbevf.</summary>
        public const string SriovNic = "0000:08:00.0";
        public const int SriovNicTotalVfs = 8;
        public const string IpAddrOutput =
            "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n" +
            "2: eno1    inet 198.51.100.7/24 brd 198.51.100.255 scope global eno1\\       valid_lft forever preferred_lft forever\n" +
            "6: br0    inet 192.0.2.10/24 brd 192.0.2.255 scope global br0\\       valid_lft forever preferred_lft forever\n";
    }

    /// <summary>
    /// Builds the workstation under <paramref name="root"/>. vfio-pci is installed as a module;
    /// <paramref name="vfioLoaded"/> registers it up front.
    /// </summary>
    public static SimulatedKernel CreateWorkstation(string root, bool vfioLoaded = false)
    {
        var t = new SysfsTreeBuilder(root);
        t.Pci(new PciSpec { Address = Workstation.GpuRootPort, Vendor = "8086", Device = "1901", Class = "060400", Driver = "pcieport", IommuGroup = 1 });
        t.Pci(new PciSpec { Address = Workstation.Gpu, Parent = Workstation.GpuRootPort, Vendor = "10de", Device = "1b80", Class = "030000", Driver = "nouveau", IommuGroup = 1, BootVga = false });
        t.Pci(new PciSpec { Address = Workstation.GpuAudio, Parent = Workstation.GpuRootPort, Vendor = "10de", Device = "10f0", Class = "040300", Driver = "snd_hda_intel", IommuGroup = 1 });
        t.Pci(new PciSpec { Address = Workstation.BootVga, Vendor = "8086", Device = "3e92", Class = "030000", Driver = "i915", IommuGroup = 2, BootVga = true });
        t.Pci(new PciSpec { Address = Workstation.NicRootPort, Vendor = "8086", Device = "a33c", Class = "060400", Driver = "pcieport", IommuGroup = 3 });
        t.Pci(new PciSpec { Address = Workstation.FreeNic, Parent = Workstation.NicRootPort, Vendor = "8086", Device = "10d3", Class = "020000", Driver = "e1000e", IommuGroup = 4 });
        t.Pci(new PciSpec { Address = "0000:00:1d.0", Vendor = "8086", Device = "a330", Class = "060400", Driver = "pcieport", IommuGroup = 5 });
        t.Pci(new PciSpec { Address = Workstation.RootNvme, Parent = "0000:00:1d.0", Vendor = "144d", Device = "a808", Class = "010802", Driver = "nvme", IommuGroup = 6 });
        t.Pci(new PciSpec { Address = Workstation.RouteNic, Vendor = "8086", Device = "15bc", Class = "020000", Driver = "e1000e", IommuGroup = 7 });
        t.Pci(new PciSpec { Address = Workstation.BondedNic, Vendor = "8086", Device = "1533", Class = "020000", Driver = "igb", IommuGroup = 8 });
        t.Pci(new PciSpec { Address = Workstation.SataSwapLvm, Vendor = "8086", Device = "a352", Class = "010601", Driver = "ahci", IommuGroup = 9 });
        t.Pci(new PciSpec { Address = Workstation.SataMdMember, Vendor = "1b21", Device = "0612", Class = "010601", Driver = "ahci", IommuGroup = 10 });

        // NVMe with native multipath: the head disk hangs off the virtual nvme-subsystem device.
        var ctrl = t.DeviceDir(Workstation.RootNvme) + "/nvme/nvme0";
        t.File(ctrl + "/address", Workstation.RootNvme + "\n").File(ctrl + "/transport", "pcie\n");
        t.Link(ctrl + "/device", t.DeviceDir(Workstation.RootNvme));
        t.Link("/sys/class/nvme/nvme0", ctrl);
        const string subsys = "/sys/devices/virtual/nvme-subsystem/nvme-subsys0";
        t.Link(subsys + "/nvme0", ctrl);
        t.Link("/sys/class/nvme-subsystem/nvme-subsys0", subsys);
        Disk(t, subsys + "/nvme0n1", "259:0");
        Partition(t, subsys + "/nvme0n1", "nvme0n1p1", "259:1", 1);
        Partition(t, subsys + "/nvme0n1", "nvme0n1p2", "259:2", 2);
        Disk(t, ctrl + "/nvme0c0n1", "259:3");

        var sda = t.DeviceDir(Workstation.SataSwapLvm) + "/ata1/host0/target0:0:0/0:0:0:0/block/sda";
        Disk(t, sda, "8:0");
        Partition(t, sda, "sda1", "8:1", 1);
        Partition(t, sda, "sda2", "8:2", 2);
        Disk(t, "/sys/devices/virtual/block/dm-0", "254:0");
        t.File("/sys/devices/virtual/block/dm-0/dm/name", "data-srv\n");
        t.Link("/sys/devices/virtual/block/dm-0/slaves/sda1", sda + "/sda1");
        t.Link(sda + "/sda1/holders/dm-0", "/sys/devices/virtual/block/dm-0");

        var sdb = t.DeviceDir(Workstation.SataMdMember) + "/ata3/host2/target2:0:0/2:0:0:0/block/sdb";
        Disk(t, sdb, "8:16");
        Partition(t, sdb, "sdb1", "8:17", 1);
        Disk(t, "/sys/devices/virtual/block/md127", "9:127");
        t.File("/sys/devices/virtual/block/md127/md/array_state", "clean\n");
        t.Link("/sys/devices/virtual/block/md127/slaves/sdb1", sdb + "/sdb1");
        t.Link(sdb + "/sdb1/holders/md127", "/sys/devices/virtual/block/md127");

        t.Proc("self/mountinfo",
            "22 1 259:2 / / rw,relatime shared:1 - xfs /dev/nvme0n1p2 rw,attr2\n" +
            "23 22 0:21 / /proc rw,nosuid shared:12 - proc proc rw\n" +
            "24 22 0:22 / /sys rw,nosuid shared:2 - sysfs sysfs rw\n" +
            "25 22 259:1 / /boot/efi rw,relatime shared:3 - vfat /dev/nvme0n1p1 rw\n" +
            "31 22 254:0 / /srv rw,relatime shared:9 - xfs /dev/mapper/data-srv rw\n");
        t.Proc("mounts", "/dev/nvme0n1p2 / xfs rw 0 0\nproc /proc proc rw 0 0\n/dev/nvme0n1p1 /boot/efi vfat rw 0 0\n/dev/mapper/data-srv /srv xfs rw 0 0\n");
        t.Proc("swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/sda2                               partition\t8388604\t\t0\t\t-2\n");

        Net(t, "eno1", t.DeviceDir(Workstation.RouteNic));
        Net(t, "enp3s0", t.DeviceDir(Workstation.FreeNic));
        Net(t, "enp5s0", t.DeviceDir(Workstation.BondedNic));
        t.EnsureDir("/sys/devices/virtual/net/lo");
        t.Link("/sys/class/net/lo", "/sys/devices/virtual/net/lo");
        t.File("/sys/devices/virtual/net/bond0/bonding/slaves", "enp5s0\n");
        t.Link("/sys/devices/virtual/net/bond0/lower_enp5s0", t.DeviceDir(Workstation.BondedNic) + "/net/enp5s0");
        t.Link("/sys/class/net/bond0", "/sys/devices/virtual/net/bond0");
        t.Link("/sys/devices/virtual/net/br0/brif/bond0", "/sys/devices/virtual/net/bond0/brport");
        t.Link("/sys/class/net/br0", "/sys/devices/virtual/net/br0");
        t.Proc("net/route",
            "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
            "eno1\t00000000\t0164A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n" +
            "eno1\t0064A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n" +
            "br0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n");
        t.File("/proc/sys/kernel/osrelease", "6.1.0-sim\n");
        t.EnsureDir("/etc/modprobe.d");

        var k = new SimulatedKernel(t);
        Boot(k);
        if (vfioLoaded) k.Modules.Load("vfio_pci");
        return k;
    }

    /// <summary>
    /// A second view of a workstation (or SR-IOV workstation) tree that <see cref="CreateWorkstation"/> built,
    /// for another process acting on the same host: the same drivers, shared writes (SimulatedKernel.ShareAcrossProcesses).
    /// Build it with vfio-pci loaded: a driver one process registers later stays unknown to the others.
    /// </summary>
    public static SimulatedKernel OpenWorkstation(string root)
    {
        var k = new SimulatedKernel(new SysfsTreeBuilder(root)).ShareAcrossProcesses();
        Boot(k);
        if (k.Exists("/sys/bus/pci/devices/" + Workstation.SriovNic)) BootSriov(k);
        return k;
    }

    /// <summary>What the workstation's kernel holds in memory rather than in the tree: drivers' ID tables, modules, programs.</summary>
    private static void Boot(SimulatedKernel k)
    {
        k.RegisterDriver("pcieport", "8086:1901", "8086:a33c", "8086:a330");
        k.RegisterDriver("nouveau", "10de:1b80");
        k.RegisterDriver("snd_hda_intel", "10de:10f0");
        k.RegisterDriver("i915", "8086:3e92");
        k.RegisterDriver("e1000e", "8086:10d3", "8086:15bc");
        k.RegisterDriver("nvme", "144d:a808");
        k.RegisterDriver("igb", "8086:1533");
        k.RegisterDriver("ahci", "8086:a352", "1b21:0612");
        k.Modules.VfioPciAvailable();
        k.Processes.Script("ip -o addr show", Workstation.IpAddrOutput);
    }

    /// <summary>
    /// The workstation plus an SR-IOV NIC (<see cref="Workstation.SriovNic"/>, no VFs yet, autoprobe on).
    /// Its VFs get IOMMU groups from <see cref="SimulatedKernel.NextVfGroup"/> (100 up) and bind to ixgbevf.
    /// </summary>
    public static SimulatedKernel CreateSriovWorkstation(string root, bool vfioLoaded = false)
    {
        var k = CreateWorkstation(root, vfioLoaded);
        var t = k.Tree;
        t.Pci(new PciSpec { Address = Workstation.SriovNic, Vendor = "8086", Device = "10fb", Class = "020000", Driver = "ixgbe", IommuGroup = 11 });
        t.Sriov(Workstation.SriovNic, Workstation.SriovNicTotalVfs, 0, "10ed");
        Net(t, "enp8s0f0", t.DeviceDir(Workstation.SriovNic));
        BootSriov(k);
        return k;
    }

    private static void BootSriov(SimulatedKernel k)
    {
        k.RegisterDriver("ixgbe", "8086:10fb");
        k.RegisterDriver("ixgbevf", "8086:10ed");
    }

    private static void Disk(SysfsTreeBuilder t, string dir, string dev)
    {
        var name = Path.GetFileName(dir);
        t.File(dir + "/dev", dev + "\n").File(dir + "/size", "1000215216\n").EnsureDir(dir + "/holders").EnsureDir(dir + "/slaves");
        t.Link("/sys/block/" + name, dir);
        t.Link("/sys/class/block/" + name, dir);
    }

    private static void Partition(SysfsTreeBuilder t, string diskDir, string name, string dev, int number)
    {
        var dir = diskDir + "/" + name;
        t.File(dir + "/dev", dev + "\n").File(dir + "/partition", number + "\n").EnsureDir(dir + "/holders");
        t.Link("/sys/class/block/" + name, dir);
    }

    /// <summary>A network interface <paramref name="name"/> on the function at <paramref name="pciDir"/>.</summary>
    public static void Net(SysfsTreeBuilder t, string name, string pciDir)
    {
        var dir = pciDir + "/net/" + name;
        t.File(dir + "/address", "52:54:00:12:34:56\n");
        t.Link(dir + "/device", pciDir);
        t.Link("/sys/class/net/" + name, dir);
    }
}
