using VirtTools.Capability;
using VirtTools.Host;
using VirtTools.Testing;

namespace VirtTools.Tests;

public class CapabilityReaderTests
{
    private static HostCapability ReadFixture(string tarball) => new CapabilityReader(new DiskFileSystem(Fixtures.Root(tarball))).Read();

    private static HostCapability ReadDir(string relative) =>
        new CapabilityReader(new DiskFileSystem(Fixtures.PathOf(relative))).Read();

    [Fact]
    public void Xen_dom0_of_rhel5()
    {
        var c = ReadDir("virt-what/rhel5-xen-dom0");
        Assert.Equal(true, c.IsXenDom0);
        Assert.Equal("xen", c.XenHypervisorType);
        Assert.Equal("3.1.2-238.el5", c.XenVersion);
        Assert.Contains("hvm-3.0-x86_64", c.XenCapabilities!);
        Assert.Equal("Xen", c.Hypervisor);
        Assert.Equal(false, c.IsVirtualMachine);
        Assert.Equal(new[] { "Xen" }, c.SupportedHypervisors);
        Assert.Equal(new[] { "FV", "PV", "PVHVM" }, c.VirtualizationModes);
        // Xen hides DMAR from Dom0: the reader must not call the IOMMU table absent.
        Assert.Equal("HiddenByXen", c.IommuFirmwareTable);
        Assert.Equal("vmx", c.HardwareVirtualization);
        Assert.Null(c.KvmDevicePresent);
    }

    [Fact]
    public void Xen_pv_domU_is_a_virtual_machine()
    {
        var c = ReadDir("virt-what/rhel5-xen-domU-pv");
        Assert.Equal(true, c.IsVirtualMachine);
        Assert.Equal("Xen", c.Hypervisor);
        Assert.Equal(false, c.IsXenDom0);
        Assert.Equal(new[] { "xen-3.0-x86_64", "xen-3.0-x86_32p", "hvm-3.0-x86_32", "hvm-3.0-x86_32p", "hvm-3.0-x86_64" }, c.XenCapabilities);
        // Not Dom0, and without /dev in the capture KVM is unknown (RHEL 5 PV guests even show vmx).
        Assert.Null(c.SupportedHypervisors);
    }

    [Theory]
    [InlineData("virt-what/qemu-arm", true, "QEMU")]
    [InlineData("virt-what/lkvm-arm", true, "KVM")]
    [InlineData("virt-what/ppc64-lpar-shared", true, "PowerVM")]
    [InlineData("virt-what/ppc64-baremetal", null, null)]
    [InlineData("virt-what/baremetal", false, null)]
    [InlineData("virt-what/kvm", true, null)]
    // Arm Dom0 sees the same xen,xen node as a guest; without /proc/xen it cannot be told apart.
    [InlineData("virt-what/xen-arm", null, "Xen")]
    public void Guests_on_device_tree_platforms_and_x86(string dir, bool? isVm, string? hypervisor)
    {
        var c = ReadDir(dir);
        Assert.Equal(isVm, c.IsVirtualMachine);
        Assert.Equal(hypervisor, c.Hypervisor);
    }

    [Fact]
    public void Xen_pv_domU_of_util_linux_has_empty_capabilities()
    {
        var c = ReadFixture("util-linux-lscpu/dumps-removed-2012/x86_64-el5xen.tar.gz");
        Assert.Equal(false, c.IsXenDom0);
        Assert.Equal(true, c.IsVirtualMachine);
        Assert.Equal("Xen", c.Hypervisor);
        Assert.Equal("None", c.HardwareVirtualization);
    }

    [Fact]
    public void Bare_metal_intel_capture_with_sriov_pfs()
    {
        var c = ReadFixture("hwloc/32intel64-2p8co2t+8ve.tar.bz2");
        Assert.Equal("3.10.0-1160.15.2.el7.x86_64", c.KernelRelease);
        Assert.Equal("x86_64", c.Architecture);
        Assert.Equal("vmx", c.HardwareVirtualization);
        Assert.Equal(false, c.IsVirtualMachine);
        Assert.Equal(2, c.SriovCapableDeviceCount);
        Assert.Equal(1, c.CgroupVersion);
        Assert.Equal(new[] { "blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "hugetlb", "memory", "net_cls", "net_prio", "perf_event", "pids" }, c.CgroupControllers);
        // The capture has no /dev: unknown, not absent.
        Assert.Null(c.KvmDevicePresent);
        Assert.Null(c.KvmDeviceAccessible);
        Assert.Null(c.DevNetTun);
        Assert.Null(c.VfioDevicePresent);
        Assert.Null(c.SupportedHypervisors);
        Assert.Empty(c.IommuKernelParameters!);
        Assert.Contains(c.Notes, n => n.Contains("/dev"));
    }

    [Fact]
    public void Hybrid_cgroup_host_reports_v1_and_says_so()
    {
        var c = ReadFixture("hwloc/32amd64-4s2n4c-cgroup2.tar.bz2");
        Assert.Equal(1, c.CgroupVersion);
        Assert.Equal(new[] { "freezer", "memory" }, c.CgroupControllers);
        Assert.Contains(c.Notes, n => n.Contains("hybrid"));
        Assert.Equal("svm", c.HardwareVirtualization);
    }

    [Fact]
    public void Laptop_with_iommu_group_links_has_the_iommu_on()
    {
        var c = ReadFixture("ghw/linux-amd64-415ee03b8c4d1c4f07ae2e9d8b3d3d6d.tar.gz");
        Assert.Equal(true, c.IommuEnabled);
        // The snapshot lacks /sys/kernel/iommu_groups itself: the count is unknown.
        Assert.Null(c.IommuGroupCount);
        Assert.Equal(0, c.SriovCapableDeviceCount);
    }

    [Fact]
    public void Openshift_worker_iommu_parameters_and_dmi()
    {
        var c = ReadFixture("openshift-node-tuning-operator/bare-metal__worker1.internal.sysinfo.tgz");
        Assert.Equal(new[] { "intel_iommu=on", "iommu=pt" }, c.IommuKernelParameters);
        Assert.Equal(false, c.IsVirtualMachine);
        Assert.Null(c.Hypervisor);
        Assert.Equal("5.14.0-427.59.1.el9_4.x86_64+rt", KernelCommandLine.Parse(c.KernelCommandLine).Value("BOOT_IMAGE")!.Split("vmlinuz-")[1]);
    }

    [Fact]
    public void Single_node_openshift_vm_is_a_kvm_guest_with_nested_vmx()
    {
        var c = ReadFixture("openshift-node-tuning-operator/sno__sno.sysinfo.tgz");
        Assert.Equal(true, c.IsVirtualMachine);
        Assert.Equal("KVM", c.Hypervisor);
        Assert.Equal("vmx", c.HardwareVirtualization);
    }

    [Fact]
    public void Arm_server_reports_unknown_hardware_virtualization_honestly()
    {
        var c = ReadFixture("hwloc/128arm-2pa2n8cluster4co.tar.bz2");
        Assert.Equal("aarch64", c.Architecture);
        Assert.Null(c.HardwareVirtualization);
        Assert.Null(c.IsVirtualMachine);
        Assert.Equal(new[] { "iommu.passthrough=1" }, c.IommuKernelParameters);
        Assert.Contains(c.Notes, n => n.Contains("aarch64"));
        Assert.Equal("5.15.0-rc1-00005-g4c1b4a4d90b6-dirty", c.KernelRelease);
    }

    [Fact]
    public void S390_kvm_guest_is_found_in_sysinfo()
    {
        var c = ReadFixture("util-linux-lscpu/dumps/s390-kvm.tar.gz");
        Assert.Equal("s390x", c.Architecture);
        Assert.Equal(true, c.IsVirtualMachine);
        Assert.Equal("KVM", c.Hypervisor);
    }

    [Fact]
    public void Missing_root_is_HostRootNotFound()
    {
        var e = Assert.Throws<VirtToolsException>(() =>
            new CapabilityReader(new DiskFileSystem("/nonexistent/vt-" + Guid.NewGuid().ToString("N"))).Read());
        Assert.Equal("HostRootNotFound", e.ErrorId);
        Assert.Equal(FailureKind.ObjectNotFound, e.Kind);
    }

    [Fact]
    public void Kvm_host_with_dev_nodes_modules_and_iommu()
    {
        using var t = new CapabilityTree()
            .File("/dev/kvm", "").File("/dev/net/tun", "").File("/dev/vfio/vfio", "")
            .File("/proc/modules", "kvm_intel 409600 0 - Live 0x0\nkvm 1347584 1 kvm_intel, Live 0x0\nvfio_pci 16384 0 - Live 0x0\nvfio_pci_core 94208 1 vfio_pci, Live 0x0\nvfio 69632 2 vfio_pci_core,vfio_pci, Live 0x0\n")
            .File("/sys/module/kvm_intel/parameters/nested", "Y\n")
            .File("/sys/firmware/acpi/tables/DMAR", "")
            .File("/sys/class/iommu/dmar0/intel-iommu/ecap", "f050da\n")
            .File("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", "N\n")
            .File("/proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz root=/dev/sda2 intel_iommu=on iommu=pt vfio-pci.ids=10de:1b80,10de:10f0\n");
        t.Builder.Pci("0000:03:00.0", iommuGroup: 5).Pci("0000:04:00.0", iommuGroup: 6).Sriov("0000:04:00.0", 8, 0, "10ed");
        var access = new ScriptedAccess(true);
        var c = t.Read(access);
        Assert.Equal(true, c.KvmDevicePresent);
        Assert.Equal(true, c.KvmDeviceAccessible);
        Assert.Equal(new[] { "/dev/kvm" }, access.Asked);
        Assert.Equal("kvm_intel", c.KvmModule);
        Assert.Equal(false, c.KvmPvm);
        Assert.Equal(true, c.NestedVirtualization);
        Assert.Equal("DMAR", c.IommuFirmwareTable);
        Assert.Equal(true, c.IommuEnabled);
        Assert.Equal(2, c.IommuGroupCount);
        Assert.Equal(true, c.InterruptRemapping);
        Assert.Equal(false, c.AllowUnsafeInterrupts);
        Assert.Equal(new[] { "intel_iommu=on", "iommu=pt", "vfio-pci.ids=10de:1b80,10de:10f0" }, c.IommuKernelParameters);
        Assert.Equal(new[] { "vfio", "vfio_pci", "vfio_pci_core" }, c.VfioModulesLoaded);
        Assert.Equal(true, c.VfioDevicePresent);
        Assert.Equal(true, c.DevNetTun);
        Assert.Equal(false, c.DevVhostNet);
        Assert.Equal(1, c.SriovCapableDeviceCount);
        Assert.Equal(new[] { "KVM" }, c.SupportedHypervisors);
        Assert.Equal(new[] { "FV", "PVHVM" }, c.VirtualizationModes);
        Assert.Equal("6.4.0-150600.23-default", c.KernelRelease);
    }

    [Fact]
    public void Kvm_pvm_is_dev_kvm_without_hardware_kvm()
    {
        using var t = new CapabilityTree(CapabilityTree.NoVtCpu)
            .File("/dev/kvm", "")
            .File("/proc/modules", "kvm_pvm 1234 0 - Live 0x0\nkvm 1347584 1 kvm_pvm, Live 0x0\n")
            .Dir("/sys/module/kvm_pvm")
            .Dir("/sys/hypervisor");
        var c = t.Read();
        Assert.Equal("None", c.HardwareVirtualization);
        Assert.Equal(true, c.KvmDevicePresent);
        Assert.Equal(true, c.KvmPvm);
        Assert.Equal("kvm_pvm", c.KvmModule);
        Assert.Empty(c.SupportedHypervisors!);
        Assert.Equal(new[] { "PVM" }, c.VirtualizationModes);
        Assert.Contains(c.Notes, n => n.Contains("kvm_pvm"));
    }

    [Theory]
    [InlineData("kvm_intel", "Y", true)]
    [InlineData("kvm_intel", "N", false)]
    [InlineData("kvm_amd", "1", true)]
    [InlineData("kvm_amd", "0", false)]
    [InlineData("kvm_amd", "maybe", null)]
    public void Nested_accepts_Y_and_1(string module, string value, bool? expected)
    {
        using var t = new CapabilityTree().File($"/sys/module/{module}/parameters/nested", value + "\n");
        Assert.Equal(expected, t.Read().NestedVirtualization);
    }

    [Fact]
    public void Root_without_dev_reports_device_nodes_unknown_and_with_empty_dev_absent()
    {
        using (var t = new CapabilityTree(withDev: false))
        {
            var c = t.Read(new ScriptedAccess(true));
            Assert.Null(c.KvmDevicePresent);
            Assert.Null(c.KvmDeviceAccessible);
            Assert.Null(c.DevVhostNet);
        }
        using (var t = new CapabilityTree().Dir("/sys/hypervisor"))
        {
            var c = t.Read(new ScriptedAccess(true));
            Assert.Equal(false, c.KvmDevicePresent);
            Assert.Equal(false, c.KvmDeviceAccessible);
            Assert.Equal(false, c.DevNetTun);
            Assert.Equal(false, c.VfioDevicePresent);
            Assert.Equal(false, c.IsXenDom0);
            Assert.Empty(c.SupportedHypervisors!);
            Assert.Empty(c.VirtualizationModes!);
        }
    }

    [Fact]
    public void Captured_root_never_judges_access()
    {
        using var t = new CapabilityTree().File("/dev/kvm", "");
        Assert.Null(t.Read(access: null).KvmDeviceAccessible);
    }

    [Fact]
    public void Cgroup_v2_controllers_come_from_the_root_file()
    {
        using var t = new CapabilityTree().File("/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
        var c = t.Read();
        Assert.Equal(2, c.CgroupVersion);
        Assert.Equal(new[] { "cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc" }, c.CgroupControllers);
    }

    [Fact]
    public void Cgroup_v2_from_mounts_and_v1_from_proc_cgroups()
    {
        using (var t = new CapabilityTree()
            .File("/proc/mounts", "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0\n"))
        {
            var c = t.Read();
            Assert.Equal(2, c.CgroupVersion);
            Assert.Null(c.CgroupControllers);
        }
        using (var t = new CapabilityTree()
            .File("/proc/cgroups", "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t3\t1\t1\ncpu\t4\t60\t1\nmemory\t0\t1\t0\n"))
        {
            var c = t.Read();
            Assert.Equal(1, c.CgroupVersion);
            Assert.Equal(new[] { "cpuset", "cpu" }, c.CgroupControllers);
        }
    }

    [Fact]
    public void Interrupt_remapping_from_ecap_and_cmdline()
    {
        using (var t = new CapabilityTree().File("/sys/class/iommu/dmar0/intel-iommu/ecap", "f050d2\n"))
            Assert.Equal(false, t.Read().InterruptRemapping);
        using (var t = new CapabilityTree().File("/sys/class/iommu/dmar0/intel-iommu/ecap", "f050da\n").File("/proc/cmdline", "intremap=off\n"))
            Assert.Equal(false, t.Read().InterruptRemapping);
        using (var t = new CapabilityTree().Dir("/sys/class/iommu/ivhd0"))
            Assert.Null(t.Read().InterruptRemapping);
        using (var t = new CapabilityTree().File("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", "Y\n"))
            Assert.Equal(true, t.Read().AllowUnsafeInterrupts);
    }

    [Fact]
    public void Repeated_iommu_options_accumulate_and_others_keep_the_last()
    {
        using var t = new CapabilityTree(CapabilityTree.AmdCpu).File("/proc/cmdline", "iommu=pt amd_iommu=off iommu=1 amd_iommu=on\n");
        Assert.Equal(new[] { "amd_iommu=on", "iommu=pt,1" }, t.Read().IommuKernelParameters);
    }

    [Fact]
    public void Garbage_files_give_unknowns_not_exceptions()
    {
        using var t = new CapabilityTree("\u0001\u0002 not a cpuinfo\n\n::\n")
            .File("/proc/cmdline", "\"unterminated quote intel_iommu=on\n")
            .File("/sys/class/iommu/dmar0/intel-iommu/ecap", "zz\n")
            .File("/sys/module/kvm_intel/parameters/nested", "\0\0\n")
            .File("/sys/hypervisor/version/major", "\n")
            .File("/proc/mounts", "garbage\n\n cgroup\n")
            .File("/proc/modules", "\n\n");
        t.Builder.Pci("0000:05:00.0").File(t.Builder.DeviceDir("0000:05:00.0") + "/sriov_totalvfs", "abc\n");
        var c = t.Read();
        Assert.Null(c.Architecture);
        Assert.Null(c.HardwareVirtualization);
        Assert.Null(c.InterruptRemapping);
        Assert.Null(c.NestedVirtualization);
        Assert.Null(c.XenVersion);
        Assert.Null(c.CgroupVersion);
        Assert.Equal(0, c.SriovCapableDeviceCount);
        Assert.Empty(c.VfioModulesLoaded!);
        // The quote protects the rest of the line: there is no intel_iommu parameter.
        Assert.Empty(c.IommuKernelParameters!);
        // Named for what it holds: values that could not be read, not whether the host is ready.
        Assert.Contains(c.ReadFailures, f => f.StartsWith("/proc/cpuinfo: unexpected content", StringComparison.Ordinal));
        Assert.Same(c.ReadFailures, c.Problems);
    }

    [Fact]
    public void Amd_sev_needs_the_flag_the_module_parameter_and_dev_sev()
    {
        using (var t = new CapabilityTree(CapabilityTree.AmdCpu).File("/sys/module/kvm_amd/parameters/sev", "Y\n").File("/dev/sev", ""))
            Assert.Equal("AMD-SEV", t.Read().SecureGuest);
        using (var t = new CapabilityTree(CapabilityTree.AmdCpu).File("/sys/module/kvm_amd/parameters/sev", "N\n").File("/dev/sev", ""))
            Assert.Equal("None", t.Read().SecureGuest);
        using (var t = new CapabilityTree())
            Assert.Null(t.Read().SecureGuest);
    }

    [Fact]
    public void Dmi_names_of_virtual_platforms()
    {
        Assert.Equal("Microsoft Hyper-V", CapabilityReader.DmiHypervisor("Microsoft Corporation", "Virtual Machine"));
        Assert.Equal("VMware", CapabilityReader.DmiHypervisor("VMware, Inc.", "VMware7,1"));
        Assert.Equal("QEMU", CapabilityReader.DmiHypervisor("QEMU", "Standard PC (Q35 + ICH9, 2009)"));
        Assert.Null(CapabilityReader.DmiHypervisor("Dell Inc.", "PowerEdge R740xd"));
        Assert.Null(CapabilityReader.DmiHypervisor("Microsoft Corporation", "Surface Laptop 5"));
        Assert.Null(CapabilityReader.DmiHypervisor(null, null));
    }
}

public class LiveDeviceAccessProbeTests
{
    [Fact]
    public void Asks_the_kernel_for_read_write_access()
    {
        var probe = new LiveDeviceAccessProbe();
        var file = Path.GetTempFileName();
        try
        {
            Assert.Equal(true, probe.CanReadWrite(file));
            Assert.Equal(false, probe.CanReadWrite("/nonexistent/vt-" + Guid.NewGuid().ToString("N")));
        }
        finally { File.Delete(file); }
    }
}
