using VirtTools.Capability;
using VirtTools.Host;
using VirtTools.Testing;

namespace VirtTools.Tests;

public class CapabilityParserTests
{
    private static string Read(string root, string hostPath) => File.ReadAllText(Path.Join(root, hostPath));

    [Theory]
    [InlineData("hwloc/32intel64-2p8co2t+8ve.tar.bz2", "x86_64", "GenuineIntel", "vmx", false)]
    [InlineData("hwloc/32amd64-4s2n4c-cgroup2.tar.bz2", "x86_64", "AuthenticAMD", "svm", false)]
    [InlineData("hwloc/16amd64-8n2c.tar.bz2", "x86_64", "AuthenticAMD", "None", false)]
    [InlineData("hwloc/2pa-pcidomain32bits.tar.bz2", "x86_64", "GenuineIntel", "None", true)]
    [InlineData("hwloc/128arm-2pa2n8cluster4co.tar.bz2", "aarch64", "HiSilicon", null, false)]
    [InlineData("ghw/linux-arm64-c288e0776090cd558ef793b2a4e61939.tar.gz", "aarch64", "ARM", null, false)]
    [InlineData("hwloc/nvidia-dgx-gb10.tar.bz2", "aarch64", "ARM", null, false)]
    [InlineData("ghw/linux-s390x-snapshot.tar.gz", "s390x", "IBM/S390", "sie", false)]
    [InlineData("hwloc/20s390-2g6s4c.tar.bz2", "s390x", "IBM/S390", "None", false)]
    [InlineData("hwloc/256ppc-8n8s4t.tar.bz2", "ppc64", "IBM", null, false)]
    [InlineData("util-linux-lscpu/dumps/rv64-linux.tar.gz", "riscv64", null, null, false)]
    [InlineData("util-linux-lscpu/dumps/loongarch-loongson_3a5000_hv.tar.gz", "loongarch64", "Loongson", null, false)]
    [InlineData("util-linux-lscpu/dumps/armv7.tar.gz", "arm", "ARM", null, false)]
    [InlineData("util-linux-lscpu/dumps/x86_64-epyc_7451.tar.gz", "x86_64", "AuthenticAMD", "svm", false)]
    [InlineData("ghw/linux-amd64-accel.tar.gz", "x86_64", "GenuineIntel", "vmx", true)]
    [InlineData("openshift-node-tuning-operator/sno__sno.sysinfo.tgz", "x86_64", "GenuineIntel", "vmx", true)]
    public void Cpuinfo_of_recorded_machines(string tarball, string arch, string? vendor, string? hw, bool hypervisorFlag)
    {
        var cpu = CpuInfo.Parse(Read(Fixtures.Root(tarball), "/proc/cpuinfo"));
        Assert.Equal(arch, cpu.Architecture);
        Assert.Equal(vendor, cpu.Vendor);
        Assert.Equal(hw, cpu.HardwareVirtualization);
        Assert.Equal(hypervisorFlag, cpu.Flags.Contains("hypervisor"));
    }

    [Fact]
    public void Cpuinfo_model_names_and_s390_facilities()
    {
        var s390 = CpuInfo.Parse(Read(Fixtures.Root("ghw/linux-s390x-snapshot.tar.gz"), "/proc/cpuinfo"));
        Assert.Contains(158, s390.Facilities);
        Assert.Equal("IBM 3931", s390.Model);
        var intel = CpuInfo.Parse(Read(Fixtures.Root("hwloc/32intel64-2p8co2t+8ve.tar.bz2"), "/proc/cpuinfo"));
        Assert.Contains("Xeon(R) Silver 4108", intel.Model);
    }

    [Fact]
    public void Cpuinfo_with_comment_lines_from_libvirt_is_x86_without_vmx()
    {
        var cpu = CpuInfo.Parse(File.ReadAllText(Fixtures.PathOf("libvirt/virhostcpudata/linux-x86_64-test1.cpuinfo")));
        Assert.Equal("GenuineIntel", cpu.Vendor);
        Assert.Equal("None", cpu.HardwareVirtualization);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\0\0\u00ff garbage ::: \n : \n::")]
    [InlineData("flags : vmx")]
    public void Cpuinfo_garbage_gives_unknowns_not_exceptions(string text)
    {
        var cpu = CpuInfo.Parse(text);
        Assert.Null(cpu.Architecture);
        Assert.Null(cpu.HardwareVirtualization);
    }

    [Fact]
    public void Cmdline_of_openshift_worker_has_intel_iommu_on_and_pt()
    {
        var c = KernelCommandLine.Parse(Read(Fixtures.Root("openshift-node-tuning-operator/bare-metal__worker1.internal.sysinfo.tgz"), "/proc/cmdline"));
        Assert.Equal("on", c.Value("intel_iommu"));
        Assert.Equal("pt", c.Value("iommu"));
        Assert.Equal("managed_irq,0-4,11-79", c.Value("isolcpus"));
        Assert.Null(c.Value("amd_iommu"));
    }

    [Fact]
    public void Cmdline_of_arm_server_has_iommu_passthrough()
    {
        var c = KernelCommandLine.Parse(Read(Fixtures.Root("hwloc/128arm-2pa2n8cluster4co.tar.bz2"), "/proc/cmdline"));
        Assert.Equal("1", c.Value("iommu.passthrough"));
        Assert.Equal("1", c.Value("arm_smmu_v3.disable_msipolling"));
        var gb10 = KernelCommandLine.Parse(Read(Fixtures.Root("hwloc/nvidia-dgx-gb10.tar.bz2"), "/proc/cmdline"));
        Assert.Equal("0", gb10.Value("iommu.passthrough"));
        Assert.Equal("pcie_bus_safe", gb10.Value("pci"));
    }

    private static KernelCommandLine Variant(int n) => KernelCommandLine.Parse(File.ReadAllText(
        Fixtures.PathOf("kmod/cmdline-variants/" + (n == 1 ? "module-param-kcmdline.cmdline" : $"module-param-kcmdline{n}.cmdline"))));

    [Fact]
    public void Cmdline_quotes_around_a_value_are_removed_and_protect_spaces()
    {
        var c = Variant(5);
        Assert.Equal("test 1", c.Value("psmouse.foobar"));
        Assert.Equal("1", c.Value("psmouse.bar"));
        Assert.True(c.Has("psmouse.foo"));
        Assert.Null(c.Value("psmouse.foo"));
        Assert.True(c.Has("quiet"));
        Assert.Equal(9, c.Parameters.Count);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    public void Cmdline_quotes_around_the_whole_argument_are_removed(int variant) =>
        Assert.Equal("file drivers/parport/ieee1284_ops.c +mpf", Variant(variant).Value("parport.dyndbg"));

    [Fact]
    public void Cmdline_repeated_key_last_wins() =>
        Assert.Equal("foobar", Variant(9).Value("modprobe.blacklist"));

    [Fact]
    public void Cmdline_odd_tokens_keep_their_names()
    {
        var c = Variant(6);
        Assert.Equal("AMD0020:00", c.Value("ivrs_acpihid[14:00.5]"));
        Assert.Equal("test", c.Value("psmouse.zinga"));
        Assert.Equal("1.5G", Variant(4).Value("testmodule.testparam"));
        Assert.Equal(@"\initramfs-linux.img", Variant(1).Value("initrd"));
    }

    [Fact]
    public void Cmdline_dash_and_underscore_are_the_same_name()
    {
        var c = KernelCommandLine.Parse("vfio_pci.ids=10de:1b80 quiet vfio-pci.ids=10de:10f0\n");
        Assert.Equal("10de:10f0", c.Value("vfio-pci.ids"));
        Assert.Equal("10de:10f0", c.Value("vfio_pci.ids"));
    }

    [Fact]
    public void Proc_modules_of_kmod_test_tree()
    {
        var fs = new DiskFileSystem(Fixtures.Root("kmod/test-loaded.tar.gz"));
        var m = new KernelModules(fs, null);
        Assert.Equal(true, m.IsLoaded("btusb"));
        Assert.Equal(false, m.IsLoaded("vfio_pci"));
        Assert.Equal(false, m.IsLoaded("vfio-pci"));
        Assert.Null(m.IsAvailable("vfio_pci"));
    }

    [Fact]
    public void Modules_builtin_and_dep_normalize_names_and_compression_suffixes()
    {
        var root = Path.Combine(Path.GetTempPath(), "vt-cap-mod-" + Guid.NewGuid().ToString("N"));
        try
        {
            new SysfsTreeBuilder(root)
                .Proc("modules", "vfio_iommu_type1 45056 0 - Live 0x0\nvfio 61440 1 vfio_iommu_type1, Live 0x0\n")
                .File("/lib/modules/6.4.0-150600.23-default/modules.builtin", "kernel/drivers/vfio/vfio_virqfd.ko\n")
                .File("/lib/modules/6.4.0-150600.23-default/modules.dep",
                    "kernel/drivers/vfio/pci/vfio-pci.ko.zst: kernel/drivers/vfio/pci/vfio-pci-core.ko.zst kernel/drivers/vfio/vfio.ko.zst\n" +
                    "kernel/drivers/vfio/vfio.ko.zst:\nkernel/drivers/xen/xen-pciback/xen-pciback.ko.xz:\n");
            var m = new KernelModules(new DiskFileSystem(root), "6.4.0-150600.23-default");
            Assert.Equal(true, m.IsAvailable("vfio_pci"));
            Assert.Equal(true, m.IsAvailable("xen-pciback"));
            Assert.Equal(true, m.IsBuiltin("vfio_virqfd"));
            Assert.Equal(false, m.IsBuiltin("vfio_pci"));
            Assert.Equal(true, m.IsPresent("vfio"));
            Assert.Equal(false, m.IsPresent("vfio_pci"));
            Assert.Equal(false, m.IsAvailable("kvm_amd"));
        }
        finally { Directory.Delete(root, true); }
    }
}
