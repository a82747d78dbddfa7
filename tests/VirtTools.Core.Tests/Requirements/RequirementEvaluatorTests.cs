using VirtTools.Capability;
using VirtTools.Host;
using VirtTools.Requirements;
using VirtTools.Testing;

namespace VirtTools.Tests;

public class RequirementEvaluatorTests
{
    private static Dictionary<string, RequirementCheck> Run(HostFacts facts, HypervisorKind set = HypervisorKind.KVM, IProcessRunner? runner = null) =>
        new RequirementEvaluator(facts, runner).Evaluate(set).ToDictionary(c => c.Name);

    private static Dictionary<string, RequirementCheck> Run(CapabilityTree t, IDeviceAccessProbe? access = null) => Run(t.Facts(access));

    private static HostFacts DirFacts(string relative) =>
        new CapabilityReader(new DiskFileSystem(Fixtures.PathOf(relative))).ReadFacts();

    private static HostFacts TarballFacts(string tarball) =>
        new CapabilityReader(new DiskFileSystem(Fixtures.Root(tarball))).ReadFacts();

    /// <summary>The same facts as if read on the live root (where programs may run), optionally with other capabilities.</summary>
    private static HostFacts AsLive(HostFacts f, HostCapability? capability = null) => new()
    {
        Capability = capability ?? f.Capability, Cpu = f.Cpu, CommandLine = f.CommandLine,
        CommandLineKnown = f.CommandLineKnown, Modules = f.Modules, IsLiveRoot = true,
    };

    [Fact]
    public void Kvm_set_covers_every_virt_host_validate_qemu_check()
    {
        var names = RequirementEvaluator.CheckNames(HypervisorKind.KVM);
        foreach (var n in new[] { "HardwareVirtualization", "KvmDevice", "KvmDeviceAccess", "PowerPcKvmModule", "VhostNet", "Tun",
                     "CgroupMemory", "CgroupCpu", "CgroupCpuacct", "CgroupCpuset", "CgroupDevices", "CgroupBlkio",
                     "IommuFirmware", "IommuEnabled", "SecureGuest",
                     "VfioModules", "VfioDevice", "InterruptRemapping", "NestedVirtualization", "KvmPvm", "IommuKernelParameters", "GuestAcceleration" })
            Assert.Contains(n, names);
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public void Healthy_intel_kvm_host_passes_with_remedies_only_on_problems()
    {
        using var t = new CapabilityTree()
            .File("/dev/kvm", "").File("/dev/net/tun", "").File("/dev/vhost-net", "").File("/dev/vfio/vfio", "")
            .File("/proc/modules", "kvm_intel 1 0 - Live 0x0\nkvm 1 1 kvm_intel, Live 0x0\nvfio_pci 1 0 - Live 0x0\nvfio 1 1 vfio_pci, Live 0x0\n")
            .File("/sys/module/kvm_intel/parameters/nested", "Y\n")
            .File("/sys/firmware/acpi/tables/DMAR", "")
            .File("/sys/class/iommu/dmar0/intel-iommu/ecap", "f050da\n")
            .File("/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n")
            .File("/proc/cmdline", "root=/dev/sda2 intel_iommu=on\n");
        t.Builder.Pci("0000:03:00.0", iommuGroup: 1);
        var r = Run(t, new ScriptedAccess(true));
        foreach (var n in new[] { "HardwareVirtualization", "KvmDevice", "KvmDeviceAccess", "KvmPvm", "VhostNet", "Tun", "CgroupMemory",
                     "CgroupCpu", "CgroupCpuacct", "CgroupCpuset", "CgroupDevices", "CgroupBlkio", "IommuFirmware", "IommuEnabled",
                     "IommuKernelParameters", "AcsOverride", "InterruptRemapping", "VfioModules", "VfioDevice", "NestedVirtualization", "GuestAcceleration" })
        {
            Assert.Equal(RequirementStatus.Pass, r[n].Status);
            Assert.Null(r[n].Remedy);
            Assert.Equal("KVM", r[n].Hypervisor);
        }
        Assert.Equal(RequirementStatus.Skip, r["PowerPcKvmModule"].Status);
        // Intel: TDX is not checked, and the check says so instead of guessing.
        Assert.Equal(RequirementStatus.Skip, r["SecureGuest"].Status);
        Assert.Contains("TDX", r["SecureGuest"].Detail);
    }

    [Fact]
    public void Missing_dev_nodes_fail_or_warn_like_virt_host_validate()
    {
        using var t = new CapabilityTree();
        var r = Run(t, new ScriptedAccess(true));
        Assert.Equal(RequirementStatus.Fail, r["KvmDevice"].Status);
        Assert.Contains("kvm_intel", r["KvmDevice"].Remedy);
        Assert.Equal(RequirementStatus.Skip, r["KvmDeviceAccess"].Status);
        Assert.Equal(RequirementStatus.Fail, r["Tun"].Status);
        Assert.Equal(RequirementStatus.Warn, r["VhostNet"].Status);
        Assert.Equal(RequirementStatus.Warn, r["VfioDevice"].Status);
        Assert.NotNull(r["Tun"].Remedy);
    }

    /// <summary>One setting on an otherwise empty host decides one check: its verdict, and the advice or reason it gives.</summary>
    [Theory]
    [InlineData("an inaccessible /dev/kvm fails with group advice", CapabilityTree.IntelCpu, "/dev/kvm", "", false,
        "KvmDeviceAccess", RequirementStatus.Fail, nameof(RequirementCheck.Remedy), "kvm")]
    [InlineData("nested off is a warning, never a failure", CapabilityTree.AmdCpu, "/sys/module/kvm_amd/parameters/nested", "0\n", null,
        "NestedVirtualization", RequirementStatus.Warn, nameof(RequirementCheck.Remedy), "options kvm_amd nested=1")]
    [InlineData("the ACS override is flagged as weakened isolation", CapabilityTree.IntelCpu, "/proc/cmdline", "pcie_acs_override=downstream,multifunction\n", null,
        "AcsOverride", RequirementStatus.Warn, nameof(RequirementCheck.Detail), "pcie_acs_override=downstream,multifunction")]
    public void One_setting_decides_one_check(string situation, string cpuinfo, string file, string content, bool? devAccess,
        string check, RequirementStatus status, string field, string text)
    {
        using var t = new CapabilityTree(cpuinfo).File(file, content);
        var c = Run(t, devAccess is bool a ? new ScriptedAccess(a) : null)[check];
        Assert.True(status == c.Status, $"{situation}: {check} is {c.Status}, not {status}");
        Assert.Contains(text, field == nameof(RequirementCheck.Remedy) ? c.Remedy : c.Detail);
    }

    [Fact]
    public void Capture_without_dev_skips_device_checks_instead_of_failing()
    {
        var r = Run(TarballFacts("hwloc/32intel64-2p8co2t+8ve.tar.bz2"));
        foreach (var n in new[] { "KvmDevice", "KvmDeviceAccess", "Tun", "VhostNet", "VfioDevice" })
            Assert.Equal(RequirementStatus.Skip, r[n].Status);
        Assert.Equal(RequirementStatus.Pass, r["HardwareVirtualization"].Status);
        Assert.Equal(RequirementStatus.Pass, r["CgroupDevices"].Status);
        Assert.Equal(RequirementStatus.Skip, r["IommuKernelParameters"].Status);
        Assert.Contains("6.8", r["IommuKernelParameters"].Detail);
    }

    [Fact]
    public void Kvm_pvm_host_fails_hardware_and_warns_about_stock_kernels()
    {
        using var t = new CapabilityTree(CapabilityTree.NoVtCpu)
            .File("/dev/kvm", "")
            .File("/proc/modules", "kvm_pvm 1 0 - Live 0x0\nkvm 1 1 kvm_pvm, Live 0x0\n");
        var r = Run(t, new ScriptedAccess(true));
        Assert.Equal(RequirementStatus.Fail, r["HardwareVirtualization"].Status);
        Assert.Contains("kvm_pvm", r["HardwareVirtualization"].Detail);
        Assert.Equal(RequirementStatus.Warn, r["KvmDevice"].Status);
        Assert.Equal(RequirementStatus.Warn, r["KvmPvm"].Status);
        Assert.Contains("stock kernel", r["KvmPvm"].Detail);
    }

    [Fact]
    public void Kvm_pvm_without_dev_kvm_tells_one_story_emulation_and_never_advises_modprobe()
    {
        // What this build machine is: kvm_pvm loaded, no /dev/kvm node, no vmx/svm.
        using var t = new CapabilityTree(CapabilityTree.NoVtCpu)
            .File("/proc/modules", "kvm_pvm 1 0 - Live 0x0\nkvm 1 1 kvm_pvm, Live 0x0\n");
        var r = Run(t, new ScriptedAccess(true));
        foreach (var n in new[] { "HardwareVirtualization", "KvmDevice", "KvmPvm", "GuestAcceleration" })
        {
            Assert.DoesNotContain("/dev/kvm exists", r[n].Detail);
            Assert.DoesNotContain("provides /dev/kvm", r[n].Detail);
            Assert.DoesNotContain("modprobe", r[n].Remedy ?? "");
        }
        Assert.Equal(RequirementStatus.Fail, r["KvmDevice"].Status);
        Assert.Contains("does not exist", r["KvmDevice"].Detail);
        Assert.Equal(RequirementStatus.Warn, r["GuestAcceleration"].Status);
        Assert.Contains("domain type qemu", r["GuestAcceleration"].Detail);
        Assert.Contains("-Hypervisor QEMU", r["GuestAcceleration"].Remedy);
        var cap = t.Read(new ScriptedAccess(true));
        Assert.Equal(AccelerationKind.Emulation, GuestAcceleration.Of(cap).Kind);
        Assert.DoesNotContain(cap.Notes, n => n.Contains("/dev/kvm exists") || n.Contains("provides /dev/kvm"));
        Assert.Contains(cap.Notes, n => n.Contains("kvm_pvm is loaded, but /dev/kvm does not exist"));
    }

    [Fact]
    public void Guest_acceleration_says_pvm_only_with_kvm_pvm_dev_kvm_and_hardware_kvm_otherwise()
    {
        using var pvm = new CapabilityTree(CapabilityTree.NoVtCpu).File("/dev/kvm", "")
            .File("/proc/modules", "kvm_pvm 1 0 - Live 0x0\nkvm 1 1 kvm_pvm, Live 0x0\n");
        var p = Run(pvm, new ScriptedAccess(true))["GuestAcceleration"];
        Assert.Equal(RequirementStatus.Warn, p.Status);
        Assert.Contains("only PVM-enabled guest kernels", p.Detail);
        using var hw = new CapabilityTree().File("/dev/kvm", "").File("/proc/modules", "kvm_intel 1 0 - Live 0x0\nkvm 1 1 kvm_intel, Live 0x0\n");
        Assert.Equal(RequirementStatus.Pass, Run(hw, new ScriptedAccess(true))["GuestAcceleration"].Status);
    }

    [Fact]
    public void Amd_with_amd_iommu_on_is_warned_that_there_is_no_such_value()
    {
        using var t = new CapabilityTree(CapabilityTree.AmdCpu).File("/proc/cmdline", "root=/dev/sda2 amd_iommu=on iommu=pt\n");
        var c = Run(t)["IommuKernelParameters"];
        Assert.Equal(RequirementStatus.Warn, c.Status);
        Assert.Contains("Remove amd_iommu=on", c.Remedy);
        Assert.DoesNotContain("intel_iommu", c.Remedy);
    }

    [Fact]
    public void Amd_without_switches_passes_and_no_iommu_advice_says_firmware_not_amd_iommu_on()
    {
        using var t = new CapabilityTree(CapabilityTree.AmdCpu).File("/proc/cmdline", "root=/dev/sda2\n").Dir("/sys/kernel/iommu_groups");
        var r = Run(t);
        Assert.Equal(RequirementStatus.Pass, r["IommuKernelParameters"].Status);
        Assert.Equal(RequirementStatus.Warn, r["IommuEnabled"].Status);
        Assert.Contains("there is no amd_iommu=on", r["IommuEnabled"].Remedy);
    }

    [Fact]
    public void Intel_without_intel_iommu_on_passes_when_groups_exist_and_warns_when_not()
    {
        using (var t = new CapabilityTree().File("/proc/cmdline", "root=/dev/sda2\n"))
        {
            t.Builder.Pci("0000:00:02.0", iommuGroup: 0);
            var c = Run(t)["IommuKernelParameters"];
            Assert.Equal(RequirementStatus.Pass, c.Status);
            Assert.Contains("6.8", c.Detail);
        }
        using (var t = new CapabilityTree().File("/proc/cmdline", "root=/dev/sda2\n").Dir("/sys/kernel/iommu_groups"))
        {
            var r = Run(t);
            Assert.Equal(RequirementStatus.Warn, r["IommuKernelParameters"].Status);
            Assert.Contains("intel_iommu=on", r["IommuKernelParameters"].Remedy);
            Assert.Equal(RequirementStatus.Warn, r["IommuEnabled"].Status);
            Assert.Contains("intel_iommu=on", r["IommuEnabled"].Remedy);
        }
        using (var t = new CapabilityTree().File("/proc/cmdline", "intel_iommu=off\n"))
            Assert.Equal(RequirementStatus.Warn, Run(t)["IommuKernelParameters"].Status);
        using (var t = new CapabilityTree().File("/proc/cmdline", "intel_iommu=on\n").Dir("/sys/kernel/iommu_groups"))
        {
            var enabled = Run(t)["IommuEnabled"];
            Assert.Equal(RequirementStatus.Warn, enabled.Status);
            Assert.Contains("already set", enabled.Remedy);
        }
    }

    [Fact]
    public void Live_kernel_without_iommu_groups_directory_lacks_iommu_support()
    {
        using var t = new CapabilityTree();
        var live = AsLive(t.Facts(), new HostCapability { CpuVendor = "GenuineIntel", IommuEnabled = false, IommuGroupCount = null });
        var c = Run(live)["IommuEnabled"];
        Assert.Equal(RequirementStatus.Warn, c.Status);
        Assert.Contains("CONFIG_IOMMU_SUPPORT", c.Remedy);
    }

    [Fact]
    public void Openshift_worker_with_intel_iommu_on_passes_the_parameter_check()
    {
        var facts = TarballFacts("openshift-node-tuning-operator/bare-metal__worker1.internal.sysinfo.tgz");
        var c = Run(facts)["IommuKernelParameters"];
        Assert.Equal(RequirementStatus.Pass, c.Status);
        Assert.Contains("iommu=pt", c.Detail);
    }

    [Fact]
    public void Cgroup_v2_semantics_and_a_missing_controller()
    {
        using var t = new CapabilityTree().File("/sys/fs/cgroup/cgroup.controllers", "cpu io pids\n");
        var r = Run(t);
        Assert.Equal(RequirementStatus.Pass, r["CgroupBlkio"].Status);
        Assert.Equal(RequirementStatus.Pass, r["CgroupCpuacct"].Status);
        Assert.Equal(RequirementStatus.Pass, r["CgroupDevices"].Status);
        Assert.Equal(RequirementStatus.Warn, r["CgroupMemory"].Status);
        Assert.Equal(RequirementStatus.Warn, r["CgroupCpuset"].Status);
        Assert.Contains("+memory", r["CgroupMemory"].Remedy);
    }

    [Fact]
    public void Cgroup_v1_without_devices_warns()
    {
        using var t = new CapabilityTree().File("/proc/mounts",
            "cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\ncgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,cpuacct,cpu 0 0\n");
        var r = Run(t);
        Assert.Equal(RequirementStatus.Pass, r["CgroupCpuacct"].Status);
        Assert.Equal(RequirementStatus.Warn, r["CgroupDevices"].Status);
        Assert.Equal(RequirementStatus.Warn, r["CgroupBlkio"].Status);
    }

    [Fact]
    public void Unsafe_interrupts_and_missing_remapping_warn()
    {
        using (var t = new CapabilityTree().File("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", "Y\n"))
            Assert.Contains("switched off", Run(t)["InterruptRemapping"].Detail);
        using (var t = new CapabilityTree().File("/sys/class/iommu/dmar0/intel-iommu/ecap", "f050d2\n"))
            Assert.Equal(RequirementStatus.Warn, Run(t)["InterruptRemapping"].Status);
        using (var t = new CapabilityTree())
            Assert.Equal(RequirementStatus.Skip, Run(t)["InterruptRemapping"].Status);
    }

    [Fact]
    public void Vfio_installed_but_not_loaded_warns_with_modprobe()
    {
        using var t = new CapabilityTree()
            .File("/proc/modules", "kvm 1 0 - Live 0x0\n")
            .File("/lib/modules/6.4.0-150600.23-default/modules.builtin", "kernel/drivers/vfio/vfio.ko\n")
            .File("/lib/modules/6.4.0-150600.23-default/modules.dep", "kernel/drivers/vfio/pci/vfio-pci.ko.zst: kernel/drivers/vfio/pci/vfio-pci-core.ko.zst\n");
        var c = Run(t)["VfioModules"];
        Assert.Equal(RequirementStatus.Warn, c.Status);
        Assert.Contains("modprobe vfio-pci", c.Remedy);
    }

    [Fact]
    public void Amd_sev_complete_passes_and_disabled_module_warns()
    {
        using (var t = new CapabilityTree(CapabilityTree.AmdCpu).File("/sys/module/kvm_amd/parameters/sev", "1\n").File("/dev/sev", ""))
            Assert.Equal(RequirementStatus.Pass, Run(t)["SecureGuest"].Status);
        using (var t = new CapabilityTree(CapabilityTree.AmdCpu).File("/sys/module/kvm_amd/parameters/sev", "N\n"))
            Assert.Contains("sev=1", Run(t)["SecureGuest"].Remedy);
    }

    [Fact]
    public void S390_secure_execution_needs_facility_uv_and_prot_virt()
    {
        var facts = TarballFacts("ghw/linux-s390x-snapshot.tar.gz");
        var c = Run(facts)["SecureGuest"];
        Assert.Equal(RequirementStatus.Warn, c.Status);
        Assert.DoesNotContain("facility 158", c.Detail);
        Assert.Contains("prot_virt=1", c.Detail);
        Assert.Equal(RequirementStatus.Pass, Run(facts)["HardwareVirtualization"].Status);
    }

    [Fact]
    public void Arm64_hardware_virtualization_is_skipped_not_failed()
    {
        var facts = TarballFacts("hwloc/128arm-2pa2n8cluster4co.tar.bz2");
        Assert.Equal(RequirementStatus.Skip, Run(facts)["HardwareVirtualization"].Status);
    }

    [Fact]
    public void Xen_dom0_defaults_to_the_xen_set_and_never_fails_on_the_hidden_dmar()
    {
        var facts = DirFacts("virt-what/rhel5-xen-dom0");
        var e = new RequirementEvaluator(facts);
        Assert.Equal(HypervisorKind.Xen, e.DefaultSet);
        var xen = e.Evaluate(HypervisorKind.Xen).ToDictionary(c => c.Name);
        Assert.Equal(RequirementStatus.Pass, xen["XenHypervisor"].Status);
        Assert.Contains("3.1.2-238.el5", xen["XenHypervisor"].Detail);
        Assert.Equal(RequirementStatus.Pass, xen["XenDom0"].Status);
        Assert.Equal(RequirementStatus.Pass, xen["XenHvm"].Status);
        Assert.NotEqual(RequirementStatus.Fail, xen["XenIommu"].Status);
        Assert.NotEqual(RequirementStatus.Warn, xen["XenIommu"].Status);
        Assert.All(xen.Values, c => Assert.Equal("Xen", c.Hypervisor));
        // Even the KVM set must not call the IOMMU absent on Dom0.
        var kvm = e.Evaluate(HypervisorKind.KVM).ToDictionary(c => c.Name);
        Assert.Equal(RequirementStatus.Skip, kvm["IommuFirmware"].Status);
    }

    [Fact]
    public void Xen_domU_fails_the_dom0_check()
    {
        var xen = Run(DirFacts("virt-what/rhel5-xen-domU-pv"), HypervisorKind.Xen);
        Assert.Equal(RequirementStatus.Pass, xen["XenHypervisor"].Status);
        Assert.Equal(RequirementStatus.Fail, xen["XenDom0"].Status);
        Assert.Contains("DomU", xen["XenDom0"].Detail);
    }

    [Fact]
    public void Xen_iommu_asks_xl_info_on_the_live_root_only()
    {
        var captured = DirFacts("virt-what/rhel5-xen-dom0");
        var live = AsLive(captured);
        var runner = new ScriptedRunner((p, a) => new ProcessResult(0, "host : dom0\nvirt_caps              : pv hvm hvm_directio pv_directio hap shadow\nxen_major : 4\n", ""));
        var c = Run(live, HypervisorKind.Xen, runner)["XenIommu"];
        Assert.Equal(RequirementStatus.Pass, c.Status);
        Assert.Contains("hvm_directio", c.Detail);
        Assert.Equal(new[] { "xl info" }, runner.Ran);

        var noIommu = new ScriptedRunner((p, a) => new ProcessResult(0, "virt_caps : pv hvm hap shadow\n", ""));
        Assert.Equal(RequirementStatus.Warn, Run(live, HypervisorKind.Xen, noIommu)["XenIommu"].Status);

        var notRun = new ScriptedRunner((p, a) => throw new InvalidOperationException("must not run on a capture"));
        Assert.Equal(RequirementStatus.Skip, Run(captured, HypervisorKind.Xen, notRun)["XenIommu"].Status);
        Assert.Empty(notRun.Ran);
    }

    [Fact]
    public void Xen_pciback_available_from_modules_dep()
    {
        using var t = new CapabilityTree().Dir("/sys/hypervisor")
            .File("/proc/modules", "")
            .File("/lib/modules/6.4.0-150600.23-default/modules.builtin", "")
            .File("/lib/modules/6.4.0-150600.23-default/modules.dep", "kernel/drivers/xen/xen-pciback/xen-pciback.ko.zst:\n");
        var xen = Run(t.Facts(), HypervisorKind.Xen);
        Assert.Equal(RequirementStatus.Pass, xen["XenPciback"].Status);
        Assert.Equal(RequirementStatus.Fail, xen["XenHypervisor"].Status);
        Assert.Equal(RequirementStatus.Fail, xen["XenDom0"].Status);
    }

    [Fact]
    public void Selection_by_name_runs_only_those_checks_in_order()
    {
        using var t = new CapabilityTree();
        var names = new RequirementEvaluator(t.Facts()).Evaluate(HypervisorKind.KVM, n => n.StartsWith("Cgroup")).Select(c => c.Name);
        Assert.Equal(new[] { "CgroupMemory", "CgroupCpu", "CgroupCpuacct", "CgroupCpuset", "CgroupDevices", "CgroupBlkio" }, names);
    }
}
