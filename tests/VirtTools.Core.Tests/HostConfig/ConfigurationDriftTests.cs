using VirtTools.HostConfig;

namespace VirtTools.Tests.HostConfig;

public class ConfigurationDriftTests
{
    private static ConfigurationItem One(HostConfigTestRoot t, string category, string item) =>
        Assert.Single(new ConfigurationDrift(t.Host).Evaluate(c => c == category), i => i.Item == item);

    [Fact]
    public void A_set_parameter_whose_menu_was_regenerated_is_pending_the_reboot()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        // The scripted grub2-mkconfig writes a menu from the edited file, as the real one would.
        t.Runner.Script("grub2-mkconfig -o /boot/grub2/grub.cfg", () =>
        {
            var args = new KernelParameterConfig(t.Host).Configured().Select(c => c.Parameter.ToString());
            t.Write("/boot/grub2/grub.cfg", "menuentry 'SLES 15-SP6' {\n\tlinux\t/boot/vmlinuz root=UUID=9a2f " + string.Join(' ', args) + "\n}\n");
            return new VirtTools.Host.ProcessResult(0, "", "done\n");
        });
        new KernelParameterConfig(t.Host).PlanSet("intel_iommu", "on").Apply(t.Host);
        var i = One(t, "KernelParameter", "intel_iommu");
        Assert.Equal(ConfigurationStatus.PendingReboot, i.Status);
        Assert.Equal("on", i.Configured);
        Assert.Null(i.Running);
        Assert.Equal(ConfigurationStatus.InSync, One(t, "KernelParameter", "quiet").Status);

        // After the reboot /proc/cmdline has it.
        t.Write("/proc/cmdline", t.Read("/proc/cmdline").TrimEnd() + " intel_iommu=on\n");
        Assert.Equal(ConfigurationStatus.InSync, One(t, "KernelParameter", "intel_iommu").Status);
    }

    [Fact]
    public void A_menu_that_was_not_regenerated_is_drift_with_the_command_to_run()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        t.Write("/boot/grub2/grub.cfg", "menuentry 'SLES' {\n\tlinux\t/boot/vmlinuz root=UUID=9a2f quiet\n}\n");
        t.Write("/etc/default/grub", t.Read("/etc/default/grub").Replace("console=ttyS0,115200n8\"", "console=ttyS0,115200n8 intel_iommu=on\""));
        var i = One(t, "KernelParameter", "intel_iommu");
        Assert.Equal(ConfigurationStatus.Drift, i.Status);
        Assert.Contains("grub2-mkconfig -o /boot/grub2/grub.cfg", i.Remedy);
    }

    [Fact]
    public void Without_a_readable_menu_a_lagging_cmdline_is_pending_with_a_fallback_remedy()
    {
        using var t = new HostConfigTestRoot("slemicro55");
        t.Write("/etc/default/grub", t.Read("/etc/default/grub").Replace("intel_iommu=off", "intel_iommu=on"));
        var i = One(t, "KernelParameter", "intel_iommu");
        Assert.Equal(ConfigurationStatus.PendingReboot, i.Status);
        Assert.Equal("on", i.Configured);
        Assert.Equal("off", i.Running);
        Assert.Contains("transactional-update --continue grub.cfg", i.Remedy);
    }

    [Fact]
    public void A_removed_iommu_parameter_that_still_runs_is_reported()
    {
        using var t = new HostConfigTestRoot("slemicro55");
        t.Write("/etc/default/grub", t.Read("/etc/default/grub").Replace(" intel_iommu=off", ""));
        var i = One(t, "KernelParameter", "intel_iommu");
        Assert.Null(i.Configured);
        Assert.Equal("off", i.Running);
        Assert.Equal(ConfigurationStatus.PendingReboot, i.Status);
    }

    [Fact]
    public void Module_options_and_loads_compare_with_sys_module()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        t.Write("/etc/modprobe.d/60-typo.conf", "options kvm_intel nestd=1\noptions vfio_iommu_type1 allow_unsafe_interrupts=0\n");
        var items = new ConfigurationDrift(t.Host).Evaluate().ToList();
        var nested = Assert.Single(items, i => i.Item == "kvm_intel nested");
        Assert.Equal(ConfigurationStatus.PendingReboot, nested.Status);
        Assert.Equal("N", nested.Running);
        Assert.Equal(ConfigurationStatus.Drift, Assert.Single(items, i => i.Item == "kvm_intel nestd").Status);
        // N and 0 are the same setting.
        Assert.Equal(ConfigurationStatus.InSync, Assert.Single(items, i => i.Item == "vfio_iommu_type1 allow_unsafe_interrupts").Status);
        var load = Assert.Single(items, i => i.Category == "ModuleLoad" && i.Item == "vfio_pci");
        Assert.Equal(ConfigurationStatus.Drift, load.Status);
        Assert.Contains("Import-VHSKernelModule vfio_pci", load.Remedy);
    }

    [Fact]
    public void Driverctl_overrides_and_persisted_vf_counts_compare_with_sysfs()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        var tree = new VirtTools.Testing.SysfsTreeBuilder(t.Root);
        tree.Pci(new VirtTools.Testing.PciSpec { Address = "0000:03:00.0", Driver = "vfio-pci" });
        tree.Pci(new VirtTools.Testing.PciSpec { Address = "0000:04:00.0", Driver = "e1000e" });
        tree.Pci(new VirtTools.Testing.PciSpec { Address = "0000:05:00.0", Driver = "ixgbe" });
        tree.Sriov("0000:05:00.0", 63, 4, "10ed");
        t.Write("/etc/driverctl.d/pci-0000:03:00.0", "vfio-pci\n").Write("/etc/driverctl.d/pci-0000:04:00.0", "vfio-pci\n")
         .Write("/etc/driverctl.d/pci-0000:09:00.0", "vfio-pci\n")
         .Write(ConfigurationDrift.SriovRules, "# written by Set-VHSSriov\nACTION==\"bind\", SUBSYSTEM==\"pci\", KERNEL==\"0000:05:00.0\", ATTR{sriov_numvfs}=\"8\"\n");
        var items = new ConfigurationDrift(t.Host).Evaluate(c => c is "DriverOverride" or "SriovVfCount").ToList();
        Assert.Equal(ConfigurationStatus.InSync, Assert.Single(items, i => i.Item == "0000:03:00.0").Status);
        var e1000e = Assert.Single(items, i => i.Item == "0000:04:00.0");
        Assert.Equal(ConfigurationStatus.Drift, e1000e.Status);
        Assert.Equal("e1000e", e1000e.Running);
        Assert.Contains("Enable-VfioDevice 0000:04:00.0", e1000e.Remedy);
        Assert.Contains("does not exist", Assert.Single(items, i => i.Item == "0000:09:00.0").Remedy);
        var vf = Assert.Single(items, i => i.Category == "SriovVfCount");
        Assert.Equal(("8", "4", ConfigurationStatus.Drift), (vf.Configured, vf.Running, vf.Status));
    }
}
