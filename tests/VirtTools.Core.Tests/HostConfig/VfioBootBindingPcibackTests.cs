using VirtTools.HostConfig;
using VirtTools.Pci;
using VirtTools.Testing;

namespace VirtTools.Tests.HostConfig;

/// <summary>Set-VHSVfioBootBinding for devices persisted to pciback: what a Xen Dom0 reads at boot.</summary>
public class VfioBootBindingPcibackTests
{
    private static readonly PciAddress Nic = PciAddress.Parse("0000:03:00.0");
    private static readonly PciAddress Nvme = PciAddress.Parse("0000:04:00.0");

    /// <summary>The NIC (e1000e) persisted to pciback; the NVMe (nvme) to <paramref name="nvmeDriver"/>.</summary>
    private static HostConfigTestRoot Dom0(string fixture, string nvmeDriver = "pciback")
    {
        var t = new HostConfigTestRoot(fixture);
        try
        {
            var tree = new SysfsTreeBuilder(t.Root);
            tree.Pci(new PciSpec { Address = Nvme.ToString(), Vendor = "144d", Device = "a808", Class = "010802", Driver = "nvme" });
            tree.Pci(new PciSpec { Address = Nic.ToString(), Vendor = "8086", Device = "10d3", Class = "020000", Driver = "pciback" });
            tree.Driver("e1000e", "e1000e").File("/sys/module/e1000e/initstate", "live\n");
            tree.Driver("nvme", "nvme").File("/sys/module/nvme/initstate", "live\n");
            if (!t.Exists("/proc/sys/kernel/osrelease")) t.Write("/proc/sys/kernel/osrelease", "6.1.0-28-amd64\n");
            var release = t.Read("/proc/sys/kernel/osrelease").Trim();
            var dep = $"/lib/modules/{release}/modules.dep";
            t.Write($"/lib/modules/{release}/modules.alias", "alias pci:v*d*sv*sd*bc01sc08i02* nvme\nalias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e\nalias xen-backend:pci xen_pciback\n")
             .Write(dep, (t.Exists(dep) ? t.Read(dep) : "") + "kernel/drivers/nvme/host/nvme.ko.zst:\nkernel/drivers/net/ethernet/intel/e1000e/e1000e.ko.zst:\nkernel/drivers/xen/xen-pciback/xen-pciback.ko.zst:\n")
             .Write("/etc/driverctl.d/pci-" + Nic, "pciback\n").Write("/etc/driverctl.d/pci-" + Nvme, nvmeDriver + "\n");
        }
        catch { t.Dispose(); throw; }
        return t;
    }

    [Fact]
    public void A_debian_dom0_gets_the_pciback_hide_list_a_softdep_and_pciback_in_the_initramfs_never_vfio()
    {
        using var t = Dom0("debian12");
        var b = new VfioBootBinding(t.Host);
        Assert.Equal("e1000e", b.HostModuleOf(Nic));
        var set = b.Plan(new[] { Nic });
        Assert.Equal("Bind to pciback at boot", b.ActionFor(new[] { Nic }));
        var conf = Assert.Single(set.Files, f => f.Path == VfioBootBinding.PcibackFile).After!;
        Assert.Contains("\noptions xen-pciback hide=(0000:03:00.0)\nsoftdep e1000e pre: xen-pciback\n", conf);
        Assert.DoesNotContain(set.Files, f => f.Path == VfioBootBinding.SoftdepFile);
        Assert.Equal("xen-pciback\n", Assert.Single(set.Files, f => f.Path == VfioBootBinding.InitramfsToolsModules).After);
        Assert.Equal("update-initramfs -u", Assert.Single(set.Commands).ToString());
        Assert.All(set.Files, f => Assert.DoesNotContain("vfio", f.After));

        t.Runner.Script("update-initramfs -u", "");
        set.Apply(t.Host);
        Assert.False(new VfioBootBinding(t.Host).Plan(new[] { Nic }).HasChanges);

        // A second device bound later joins the same hide= list instead of replacing it.
        var second = new VfioBootBinding(t.Host).Plan(new[] { Nvme });
        var merged = Assert.Single(second.Files, f => f.Path == VfioBootBinding.PcibackFile).After!;
        Assert.Contains("\noptions xen-pciback hide=(0000:03:00.0)(0000:04:00.0)\n", merged);
        Assert.Contains("softdep e1000e pre: xen-pciback\nsoftdep nvme pre: xen-pciback\n", merged);
        Assert.Single(merged.Split('\n'), l => l.StartsWith("options ", StringComparison.Ordinal));
    }

    [Fact]
    public void Sles_with_one_vfio_and_one_pciback_device_gets_both_files_and_both_stubs_in_dracut()
    {
        using var t = Dom0("sles15sp6", nvmeDriver: "vfio-pci");
        var b = new VfioBootBinding(t.Host);
        var all = b.PersistedAddresses();
        Assert.Equal("Bind to pciback and vfio-pci at boot", b.ActionFor(all));
        var set = b.Plan(all);
        Assert.Contains("softdep nvme pre: vfio-pci\n", Assert.Single(set.Files, f => f.Path == VfioBootBinding.SoftdepFile).After);
        var pb = Assert.Single(set.Files, f => f.Path == VfioBootBinding.PcibackFile).After!;
        Assert.Contains("options xen-pciback hide=(0000:03:00.0)\nsoftdep e1000e pre: xen-pciback\n", pb);
        Assert.DoesNotContain("nvme", pb);
        var dracut = Assert.Single(set.Files, f => f.Path == VfioBootBinding.DracutFile).After!;
        Assert.Contains("add_drivers+=\" vfio vfio_iommu_type1 vfio_pci xen-pciback \"", dracut);
        Assert.Contains($"install_items+=\" {VfioBootBinding.SoftdepFile} {VfioBootBinding.PcibackFile} \"", dracut);
        Assert.Equal("dracut -f", Assert.Single(set.Commands).ToString());
    }

    [Fact]
    public void Another_hide_list_is_a_warning_and_a_built_in_pciback_points_to_the_kernel_command_line()
    {
        using var t = Dom0("debian12");
        t.Write("/etc/modprobe.d/xen-pciback.conf", "options xen-pciback hide=(0000:05:00.0)\n");
        var set = new VfioBootBinding(t.Host).Plan(new[] { Nic });
        Assert.Contains(set.Warnings, w => w.Contains("/etc/modprobe.d/xen-pciback.conf") && w.Contains("hide="));

        var release = t.Read("/proc/sys/kernel/osrelease").Trim();
        t.Write($"/lib/modules/{release}/modules.builtin", "kernel/drivers/xen/xen-pciback/xen-pciback.ko\n");
        var builtIn = new VfioBootBinding(t.Host).Plan(new[] { Nic });
        Assert.Contains(builtIn.Warnings, w => w.Contains("xen-pciback.hide=(0000:03:00.0) on the Dom0 kernel command line"));
    }

    [Fact]
    public void A_built_in_host_driver_of_a_pciback_device_is_a_warning_and_nothing_is_written()
    {
        using var t = Dom0("debian12");
        var release = t.Read("/proc/sys/kernel/osrelease").Trim();
        t.Write($"/lib/modules/{release}/modules.builtin", "kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko\n");
        if (t.Exists("/proc/modules"))
            t.Write("/proc/modules", string.Join("\n", t.Read("/proc/modules").Split('\n').Where(l => !l.StartsWith("e1000e "))));
        File.Delete(t.Path_("/sys/module/e1000e/initstate"));
        var set = new VfioBootBinding(t.Host).Plan(new[] { Nic });
        Assert.False(set.HasChanges);
        Assert.Contains(set.Warnings, w => w.Contains("built into the kernel") && w.Contains("xen-pciback.hide=(0000:03:00.0)"));
    }
}
