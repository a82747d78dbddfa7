using VirtTools.Host;
using VirtTools.HostUsage;
using VirtTools.Pci;
using VirtTools.Testing;
using W = VirtTools.Testing.SimulatedHosts.Workstation;

namespace VirtTools.Tests;

public class HostUsageGuardTests
{
    private static HostContext Recorded(string tarball)
    {
        var fs = new DiskFileSystem(Fixtures.Root(tarball));
        return new HostContext(fs, new ModprobeLoader(fs, new SystemProcessRunner()), new SystemProcessRunner());
    }

    private static string[] Ids(HostUsageGuard g, string address) => g.Check(PciAddress.Parse(address)).Select(r => r.ErrorId).ToArray();

    [Fact]
    public void Recorded_hwloc_server_root_filesystem_maps_to_its_sata_controller()
    {
        var host = Recorded("hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2");
        var g = new HostUsageGuard(host, null);
        // /proc/mounts: "/dev/sda1 / ext3"; /sys/block/sda -> .../0000:00:1f.2/host4/.../block/sda
        Assert.Equal(HostUsageGuard.Ids.RootFilesystem, Ids(g, "0000:00:1f.2")[0]);
        Assert.Contains("/var", string.Join(" ", g.Check(PciAddress.Parse("0000:00:1f.2")).Select(r => r.Message)));
        Assert.Empty(Ids(g, "0000:02:00.0"));
    }

    [Fact]
    public void Recorded_hwloc_server_interface_maps_to_its_pci_function()
    {
        var topo = new SysfsTopology(Recorded("hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2").Files);
        Assert.Equal(new[] { PciAddress.Parse("0000:02:00.0") }, topo.PciOfInterface("eth0"));
        Assert.Equal(new[] { PciAddress.Parse("0000:82:00.0") }, topo.PciOfInterface("ib0"));
        Assert.Empty(topo.PciOfInterface("lo"));
    }

    [Fact]
    public void Recorded_laptop_boot_partition_on_nvme_is_found_through_proc_self_mounts()
    {
        var host = Recorded("ghw/linux-amd64-415ee03b8c4d1c4f07ae2e9d8b3d3d6d.tar.gz");
        var topo = new SysfsTopology(host.Files);
        Assert.Equal(new[] { PciAddress.Parse("0000:04:00.0") }, topo.PciOfBlock("nvme0n1p2"));
        var reasons = new HostUsageGuard(host, null).Check(PciAddress.Parse("0000:04:00.0"));
        Assert.Contains(reasons, r => r.ErrorId == HostUsageGuard.Ids.MountedFilesystem && r.Message.Contains("/boot"));
    }

    [Fact]
    public void Multipath_head_disk_resolves_through_the_subsystem_to_the_controller_function()
    {
        using var h = new SimHost();
        var topo = new SysfsTopology(h.Kernel);
        Assert.Equal(new[] { PciAddress.Parse(W.RootNvme) }, topo.PciOfBlock("nvme0n1p2"));
        Assert.Equal(new[] { PciAddress.Parse(W.RootNvme) }, topo.PciOfBlock("nvme0n1"));
        var g = new HostUsageGuard(h.Kernel.Context, null);
        var ids = Ids(g, W.RootNvme);
        Assert.Equal(HostUsageGuard.Ids.RootFilesystem, ids[0]);
        Assert.Contains(HostUsageGuard.Ids.MountedFilesystem, ids); // /boot/efi
    }

    [Fact]
    public void A_second_controller_of_the_subsystem_is_protected_too()
    {
        using var h = new SimHost();
        var t = h.Kernel.Tree;
        t.Pci(new PciSpec { Address = "0000:09:00.0", Vendor = "144d", Device = "a808", Class = "010802", Driver = "nvme", IommuGroup = 12 });
        var ctrl = t.DeviceDir("0000:09:00.0") + "/nvme/nvme1";
        t.Link(ctrl + "/device", t.DeviceDir("0000:09:00.0"));
        t.Link("/sys/devices/virtual/nvme-subsystem/nvme-subsys0/nvme1", ctrl);
        var g = new HostUsageGuard(h.Kernel.Context, null);
        Assert.Equal(HostUsageGuard.Ids.RootFilesystem, Ids(g, "0000:09:00.0")[0]);
    }

    [Fact]
    public void Lvm_mount_swap_and_md_members_are_traced_through_slaves_and_holders()
    {
        using var h = new SimHost();
        var g = new HostUsageGuard(h.Kernel.Context, null);
        var sata = g.Check(PciAddress.Parse(W.SataSwapLvm));
        Assert.Equal(new[] { HostUsageGuard.Ids.MountedFilesystem, HostUsageGuard.Ids.Swap, HostUsageGuard.Ids.VolumeMember }, sata.Select(r => r.ErrorId));
        Assert.Contains("/srv", sata[0].Message);
        Assert.Contains("dm-0 (data-srv)", sata[2].Message);
        var md = g.Check(PciAddress.Parse(W.SataMdMember));
        Assert.Equal(HostUsageGuard.Ids.VolumeMember, Assert.Single(md).ErrorId);
        Assert.Contains("md127", md[0].Message);
    }

    [Fact]
    public void Mount_found_by_device_number_when_the_source_is_not_a_dev_path()
    {
        using var h = new SimHost();
        h.Kernel.Tree.Proc("self/mountinfo", "40 1 8:17 / /data rw - ext4 UUID=1234 rw\n");
        var g = new HostUsageGuard(h.Kernel.Context, null);
        Assert.Contains(g.Check(PciAddress.Parse(W.SataMdMember)), r => r.ErrorId == HostUsageGuard.Ids.MountedFilesystem && r.Message.Contains("/data"));
    }

    [Fact]
    public void Default_route_ssh_through_bond_and_bridge_and_ipv6_default_route()
    {
        using var h = new SimHost();
        var g = new HostUsageGuard(h.Kernel.Context, W.SshConnection);
        Assert.Equal(new[] { HostUsageGuard.Ids.DefaultRoute }, Ids(g, W.RouteNic));
        Assert.Equal(new[] { HostUsageGuard.Ids.SshSession }, Ids(g, W.BondedNic));
        Assert.Empty(Ids(g, W.FreeNic));
        Assert.Contains("ip -o addr show", h.Kernel.Processes.Calls);

        h.Kernel.Tree.Proc("net/route", "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n");
        h.Kernel.Tree.Proc("net/ipv6_route",
            "00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003   enp3s0\n" +
            "00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n");
        var g6 = new HostUsageGuard(h.Kernel.Context, null);
        Assert.Equal(new[] { HostUsageGuard.Ids.DefaultRoute }, Ids(g6, W.FreeNic));
        Assert.Empty(Ids(g6, W.RouteNic));
    }

    [Fact]
    public void Ssh_over_ipv6_is_matched_from_if_inet6_without_running_ip()
    {
        using var h = new SimHost();
        h.Kernel.Tree.Proc("net/if_inet6", "20010db8000000000000000000000010 03 40 00 80   enp3s0\n");
        var g = new HostUsageGuard(h.Kernel.Context, "2001:db8::99 40000 2001:db8::10 22");
        Assert.Equal(new[] { HostUsageGuard.Ids.SshSession }, Ids(g, W.FreeNic));
    }

    [Fact]
    public void Boot_vga_and_bridges()
    {
        using var h = new SimHost();
        var g = new HostUsageGuard(h.Kernel.Context, null);
        Assert.Equal(new[] { HostUsageGuard.Ids.BootVga }, Ids(g, W.BootVga));
        Assert.Empty(Ids(g, W.Gpu));
        var bridge = Assert.Single(g.Check(PciAddress.Parse(W.NicRootPort)));
        Assert.False(bridge.CanForce);
        Assert.Equal(FailureKind.InvalidOperation, bridge.Kind);
    }
}
