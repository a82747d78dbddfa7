using VirtTools.HostConfig;
using VirtTools.Pci;
using VirtTools.Testing;

namespace VirtTools.Tests.HostConfig;

public class VfioBootBindingTests
{
    private const string Release = "6.4.0-150600.23.25-default";

    /// <summary>An NVMe (nvme, a module) on vfio-pci with a persistent override, and a NIC still on e1000e with one.</summary>
    private static HostConfigTestRoot Host(string fixture)
    {
        var t = new HostConfigTestRoot(fixture);
        try { Populate(t); }
        catch { t.Dispose(); throw; }
        return t;
    }

    private static void Populate(HostConfigTestRoot t)
    {
        var tree = new SysfsTreeBuilder(t.Root);
        tree.Pci(new PciSpec { Address = "0000:04:00.0", Vendor = "144d", Device = "a808", Class = "010802", Driver = "vfio-pci" });
        tree.Pci(new PciSpec { Address = "0000:03:00.0", Vendor = "8086", Device = "10d3", Class = "020000", Driver = "e1000e" });
        tree.Driver("e1000e", "e1000e").File("/sys/module/e1000e/initstate", "live\n");
        if (!t.Exists("/proc/sys/kernel/osrelease")) t.Write("/proc/sys/kernel/osrelease", "6.1.0-28-amd64\n");
        var release = t.Read("/proc/sys/kernel/osrelease").Trim();
        t.Write($"/lib/modules/{release}/modules.alias", "alias pci:v*d*sv*sd*bc01sc08i02* nvme\nalias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e\n")
         .Write($"/lib/modules/{release}/modules.dep", (t.Exists($"/lib/modules/{release}/modules.dep") ? t.Read($"/lib/modules/{release}/modules.dep") : "") + "kernel/drivers/nvme/host/nvme.ko.zst:\nkernel/drivers/net/ethernet/intel/e1000e/e1000e.ko.zst:\n")
         .Write("/etc/driverctl.d/pci-0000:04:00.0", "vfio-pci\n").Write("/etc/driverctl.d/pci-0000:03:00.0", "vfio-pci\n");
    }

    [Fact]
    public void Sles_gets_softdeps_dracut_drivers_and_dracut_f_never_vfio_pci_ids()
    {
        using var t = Host("sles15sp6");
        var b = new VfioBootBinding(t.Host);
        Assert.Equal(new[] { "0000:03:00.0", "0000:04:00.0" }, b.PersistedAddresses().Select(a => a.ToString()));
        Assert.Equal("nvme", b.HostModuleOf(PciAddress.Parse("0000:04:00.0")));
        Assert.Equal("e1000e", b.HostModuleOf(PciAddress.Parse("0000:03:00.0")));
        var set = b.Plan(b.PersistedAddresses());
        var softdep = Assert.Single(set.Files, f => f.Path == VfioBootBinding.SoftdepFile).After!;
        Assert.Contains("softdep e1000e pre: vfio-pci\nsoftdep nvme pre: vfio-pci\n", softdep);
        var dracut = Assert.Single(set.Files, f => f.Path == VfioBootBinding.DracutFile).After!;
        Assert.Contains("add_drivers+=\" vfio vfio_iommu_type1 vfio_pci \"", dracut);
        Assert.Contains(VfioBootBinding.SoftdepFile, dracut);
        Assert.DoesNotContain("vfio_virqfd", dracut);
        Assert.Equal("dracut -f", Assert.Single(set.Commands).ToString());
        Assert.All(set.Files, f => Assert.DoesNotContain("ids=", f.After));

        t.Runner.Script("dracut -f", "");
        set.Apply(t.Host);
        Assert.False(new VfioBootBinding(t.Host).Plan(b.PersistedAddresses()).HasChanges);
    }

    [Fact]
    public void Debian_gets_initramfs_tools_modules_and_update_initramfs()
    {
        using var t = Host("debian12");
        t.Write(VfioBootBinding.InitramfsToolsModules, "# List of modules that you want to include in your initramfs.\nvfio\n");
        var b = new VfioBootBinding(t.Host);
        var set = b.Plan(new[] { PciAddress.Parse("0000:03:00.0") });
        Assert.Equal("# List of modules that you want to include in your initramfs.\nvfio\nvfio_iommu_type1\nvfio_pci\n",
            Assert.Single(set.Files, f => f.Path == VfioBootBinding.InitramfsToolsModules).After);
        Assert.Equal("update-initramfs -u", Assert.Single(set.Commands).ToString());
    }

    [Fact]
    public void A_transactional_host_rebuilds_the_initrd_through_transactional_update()
    {
        using var t = Host("slemicro55");
        var set = new VfioBootBinding(t.Host).Plan(new[] { PciAddress.Parse("0000:04:00.0") });
        Assert.Equal("transactional-update --continue initrd", Assert.Single(set.Commands).ToString());
        Assert.Contains(set.Notes, n => n.Contains("new snapshot"));
    }

    [Fact]
    public void A_built_in_host_driver_is_a_warning_and_a_device_without_override_is_refused()
    {
        using var t = Host("sles15sp6");
        var release = t.Read("/proc/sys/kernel/osrelease").Trim();
        t.Write($"/lib/modules/{release}/modules.builtin", "kernel/drivers/nvme/host/nvme.ko\n")
         .Write("/proc/modules", string.Join("\n", t.Read("/proc/modules").Split('\n').Where(l => !l.StartsWith("nvme "))));
        File.Delete(t.Path_("/sys/module/nvme/initstate"));
        var set = new VfioBootBinding(t.Host).Plan(new[] { PciAddress.Parse("0000:04:00.0") });
        Assert.False(set.HasChanges);
        Assert.Contains(set.Warnings, w => w.Contains("built into the kernel"));
        File.Delete(t.Path_("/etc/driverctl.d/pci-0000:03:00.0"));
        var e = Assert.Throws<VirtToolsException>(() => new VfioBootBinding(t.Host).Plan(new[] { PciAddress.Parse("0000:03:00.0") }));
        Assert.Equal("NotPersistentlyBound", e.ErrorId);
    }
}
