namespace VirtTools;

/// <summary>
/// What a Linux host can do for virtualization, read from one host root. Every nullable member is
/// null when the root does not hold the evidence (a capture without /dev, a kernel without the file):
/// null means "unknown", never "no".
/// </summary>
public sealed class HostCapability
{
    /// <summary>The directory that was read as "/" (the live root or a capture).</summary>
    public string Root { get; init; } = "/";

    public string? KernelRelease { get; init; }
    /// <summary>x86_64, i686, aarch64, arm, s390x, ppc64, riscv64, loongarch64, ia64, sparc64.</summary>
    public string? Architecture { get; init; }
    /// <summary>GenuineIntel, AuthenticAMD, IBM/S390, ARM implementer name ("ARM", "HiSilicon"...) or "0x.." when unknown.</summary>
    public string? CpuVendor { get; init; }
    public string? CpuModel { get; init; }

    /// <summary>vmx, svm, sie (s390), None, or null where /proc/cpuinfo cannot show it (aarch64, ppc64).</summary>
    public string? HardwareVirtualization { get; init; }
    public bool? IsVirtualMachine { get; init; }
    /// <summary>The hypervisor this system runs on: Xen (also for Dom0), KVM, QEMU, VMware, Microsoft Hyper-V, ...</summary>
    public string? Hypervisor { get; init; }

    public bool? KvmDevicePresent { get; init; }
    /// <summary>Read/write access to /dev/kvm for this process; null on a captured root.</summary>
    public bool? KvmDeviceAccessible { get; init; }
    /// <summary>The loaded vendor KVM module: kvm_intel, kvm_amd, kvm_pvm, kvm_hv, kvm_pr, or kvm alone.</summary>
    public string? KvmModule { get; init; }
    /// <summary>kvm_pvm is loaded: /dev/kvm exists without hardware KVM; only PVM guest kernels run.</summary>
    public bool? KvmPvm { get; init; }
    public bool? NestedVirtualization { get; init; }

    /// <summary>Content of /sys/hypervisor/type ("xen").</summary>
    public string? XenHypervisorType { get; init; }
    /// <summary>major.minor + extra from /sys/hypervisor/version ("3.1.2-238.el5").</summary>
    public string? XenVersion { get; init; }
    public bool? IsXenDom0 { get; init; }
    /// <summary>/sys/hypervisor/properties/capabilities (xen-3.0-x86_64, hvm-3.0-x86_64, ...).</summary>
    public string[]? XenCapabilities { get; init; }

    /// <summary>DMAR, IVRS, IORT, RMAD (DMAR renamed by Xen), HiddenByXen (Dom0 sees no table), None, or null.</summary>
    public string? IommuFirmwareTable { get; init; }
    public bool? IommuEnabled { get; init; }
    public int? IommuGroupCount { get; init; }
    /// <summary>The IOMMU-related kernel parameters in effect, "name=value" (last occurrence wins).</summary>
    public string[]? IommuKernelParameters { get; init; }
    /// <summary>The IOMMU remaps interrupts (Intel ecap IR bit, not disabled on the cmdline); null when the kernel does not show it.</summary>
    public bool? InterruptRemapping { get; init; }
    /// <summary>vfio_iommu_type1 allow_unsafe_interrupts is on: someone switched the MSI-injection safety off.</summary>
    public bool? AllowUnsafeInterrupts { get; init; }

    public string[]? VfioModulesLoaded { get; init; }
    public string[]? VfioModulesBuiltin { get; init; }
    public string[]? VfioModulesAvailable { get; init; }
    public bool? VfioDevicePresent { get; init; }
    public int? SriovCapableDeviceCount { get; init; }

    /// <summary>AMD-SEV, IBM-SecureExecution, None, or null (Intel TDX is not detected).</summary>
    public string? SecureGuest { get; init; }

    /// <summary>KVM and/or Xen: what this host can run now.</summary>
    public string[]? SupportedHypervisors { get; init; }
    /// <summary>FV (full virtualization, HVM), PV (Xen paravirtual), PVHVM (PV drivers in an HVM guest), PVM (kvm_pvm guests only).</summary>
    public string[]? VirtualizationModes { get; init; }

    public bool? DevNetTun { get; init; }
    public bool? DevVhostNet { get; init; }
    public int? CgroupVersion { get; init; }
    public string[]? CgroupControllers { get; init; }

    public string? KernelCommandLine { get; init; }
    /// <summary>Why some facts are unknown or need care (one sentence each).</summary>
    public string[] Notes { get; init; } = Array.Empty<string>();
    /// <summary>
    /// Files that could not be read or held garbage ("/proc/cpuinfo: ..."); the facts from them are null.
    /// Not whether the host is ready for guests: Test-VHSRequirement says that (a host can fail every
    /// check with nothing here).
    /// </summary>
    public string[] ReadFailures { get; init; } = Array.Empty<string>();

    /// <summary>The name <see cref="ReadFailures"/> had, which read as "what is wrong with this host"; kept for scripts that used it.</summary>
    public string[] Problems => ReadFailures;
}
