using VirtTools.HostConfig;

namespace VirtTools.Tests.HostConfig;

public class KernelModuleTests
{
    [Fact]
    public void Reads_state_parameters_and_configuration_with_dash_and_underscore_alike()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        var r = new KernelModuleReader(t.Host.Files);
        var kvm = r.Read("kvm-intel");
        Assert.Equal("kvm_intel", kvm.Name);
        Assert.Equal(KernelModuleState.Loaded, kvm.State);
        Assert.Equal("N", kvm.Parameters["nested"]);
        Assert.Equal("1", kvm.ConfiguredOptions["nested"]);
        Assert.Equal(new[] { "/etc/modprobe.d/50-kvm.conf" }, kvm.ConfigurationFiles);
        var vfio = r.Read("vfio_pci");
        Assert.Equal(KernelModuleState.Available, vfio.State);
        Assert.True(vfio.LoadAtBoot);
        Assert.Equal("/etc/modules-load.d/vfio.conf", vfio.LoadAtBootFile);
        Assert.True(r.Read("nouveau").Blacklisted);
        Assert.Equal(KernelModuleState.BuiltIn, r.Read("ext4").State);
        Assert.Equal(KernelModuleState.NotFound, r.Read("nosuch").State);
    }

    [Fact]
    public void A_file_in_etc_hides_the_same_name_in_usr_lib_and_continuation_lines_join()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        t.Write("/etc/modprobe.d/50-blacklist.conf", "# the admin wants nouveau\n")
         .Write("/etc/modprobe.d/60-vfio.conf", "softdep nvme \\\n  pre: vfio-pci\noptions vfio_iommu_type1 allow_unsafe_interrupts=0 \\\n dma_entry_limit=1000\n");
        var r = new KernelModuleReader(t.Host.Files);
        Assert.False(r.Read("nouveau").Blacklisted);
        Assert.Equal(new[] { "pre: vfio-pci" }, r.Read("nvme").SoftDependencies);
        Assert.Equal("1000", r.Read("vfio_iommu_type1").ConfiguredOptions["dma_entry_limit"]);
    }

    [Fact]
    public void Persisting_a_load_appends_to_our_file_once()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        var c = new KernelModuleChanges(t.Host);
        Assert.False(c.PlanPersistLoad("vfio-pci").HasChanges);
        var set = c.PlanPersistLoad("vhost_net");
        set.Apply(t.Host);
        Assert.EndsWith("\nvhost_net\n", t.Read(ModuleConfigFiles.OurModulesLoad));
        Assert.False(new KernelModuleChanges(t.Host).PlanPersistLoad("vhost-net").HasChanges);
    }

    [Fact]
    public void Persisting_options_merges_keys_on_one_line_and_warns_about_a_later_file()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        t.Write(ModuleConfigFiles.OurModprobe, "# mine\noptions kvm_intel enable_apicv=1 nested=0\n")
         .Write("/etc/modprobe.d/zz-local.conf", "options kvm_intel nested=0\n");
        var set = new KernelModuleChanges(t.Host).PlanPersistOptions("kvm-intel", new[] { ("nested", "1") });
        Assert.Equal("# mine\noptions kvm_intel enable_apicv=1 nested=1\n", set.Files[0].After);
        Assert.Contains(set.Warnings, w => w.Contains("zz-local.conf"));
    }

    [Fact]
    public void Y_and_1_are_the_same_setting()
    {
        Assert.True(KernelModuleChanges.SameValue("Y", "1"));
        Assert.True(KernelModuleChanges.SameValue("N", "0"));
        Assert.False(KernelModuleChanges.SameValue("N", "1"));
        Assert.False(KernelModuleChanges.SameValue(null, "1"));
    }

    [Fact]
    public void A_reload_of_kvm_is_refused_while_qemu_or_a_dev_kvm_holder_runs()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        t.Write("/proc/4242/comm", "qemu-system-x86\n").Write("/proc/77/comm", "bash\n");
        var c = new KernelModuleChanges(t.Host);
        Assert.Equal(new[] { "4242 (qemu-system-x86)" }, c.RunningGuests());
        var e = Assert.Throws<VirtToolsException>(() => c.Reload("kvm_intel", new[] { ("nested", "1") }));
        Assert.Equal("GuestsRunning", e.ErrorId);
        Assert.Empty(t.Runner.Calls);

        Directory.Delete(t.Path_("/proc/4242"), true);
        t.Write("/proc/5151/comm", "crosvm\n");
        Directory.CreateDirectory(t.Path_("/proc/5151/fd"));
        File.CreateSymbolicLink(t.Path_("/proc/5151/fd/9"), "/dev/kvm");
        Assert.Equal(new[] { "5151 (crosvm)" }, new KernelModuleChanges(t.Host).RunningGuests());
    }

    [Fact]
    public void A_reload_unloads_and_loads_with_the_options_and_a_failed_load_restores_the_module()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        t.Runner.Script("modprobe -r kvm_intel", "").Script("modprobe kvm_intel nested=1", "", 1, "modprobe: ERROR: could not insert 'kvm_intel': Invalid argument")
         .Script("modprobe kvm_intel", "");
        var e = Assert.Throws<VirtToolsException>(() => new KernelModuleChanges(t.Host).Reload("kvm_intel", new[] { ("nested", "1") }));
        Assert.Equal("ModuleLoadFailed", e.ErrorId);
        Assert.Equal(new[] { "modprobe -r kvm_intel", "modprobe kvm_intel nested=1", "modprobe kvm_intel" }, t.Runner.Calls);
    }
}
