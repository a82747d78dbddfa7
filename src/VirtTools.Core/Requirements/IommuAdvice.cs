using VirtTools.Capability;

namespace VirtTools.Requirements;

/// <summary>
/// How to turn the IOMMU on, for this CPU vendor, command line and kind of machine. One place for
/// Test-VHSRequirement, Get-IommuGroup, Enable-VfioDevice and Enable-VHSIommu, so they never disagree:
/// Intel needs intel_iommu=on (6.8+ kernels may default to on), AMD needs nothing (AMD-Vi is on with
/// firmware support, and amd_iommu has no "on" value), and in a guest the fix lies with the outer
/// hypervisor, not the BIOS.
/// </summary>
public static class IommuAdvice
{
    public static bool IsIntel(string? cpuVendor) => cpuVendor == "GenuineIntel";
    public static bool IsAmd(string? cpuVendor) => cpuVendor is "AuthenticAMD" or "HygonGenuine";

    public const string AmdOnIsInvalid =
        "amd_iommu=on is not a valid value (the kernel logs \"Unknown option\"): AMD-Vi is enabled by default when the firmware enables it";

    public const string IntelDefaultOn =
        "kernels 6.8 and later built with CONFIG_INTEL_IOMMU_DEFAULT_ON enable VT-d without intel_iommu=on; setting it makes every kernel agree";

    public const string PassThroughOptional = "iommu=pt is optional";

    public static string Enable(HostFacts facts) =>
        Enable(facts.Capability.CpuVendor, facts.CommandLine, facts.Capability.IsVirtualMachine, facts.Capability.Hypervisor);

    public static string Enable(string? cpuVendor, KernelCommandLine cmdline, bool? isVirtualMachine, string? hypervisor)
    {
        var intel = cmdline.Value("intel_iommu")?.Split(',') ?? Array.Empty<string>();
        var isIntel = IsIntel(cpuVendor);
        if (isVirtualMachine == true)
        {
            var outer = hypervisor is { Length: > 0 } h ? $"the outer hypervisor ({h})" : "the outer hypervisor";
            var kernel = isIntel && !intel.Contains("on") ? " and boot this guest with intel_iommu=on" : "";
            return $"This is a virtual machine: its IOMMU is whatever {outer} emulates. Ask it for a virtual IOMMU " +
                   "(QEMU/libvirt: a q35 machine with <iommu model='intel'> and <ioapic driver='qemu'/>, or virtio-iommu)" +
                   kernel + ", then reboot the guest.";
        }
        if (isIntel && intel.Contains("on"))
            return "intel_iommu=on is already set: enable VT-d (\"Intel Virtualization Technology for Directed I/O\") in the BIOS/UEFI setup and look for \"DMAR\" errors in the kernel log.";
        if (isIntel)
            return intel.Contains("off")
                ? "Remove intel_iommu=off from the kernel command line, then reboot."
                : "Add intel_iommu=on to the kernel command line (Enable-VHSIommu does it through the boot loader) and reboot; check that VT-d is enabled in the firmware. " + PassThroughOptional + ".";
        if (IsAmd(cpuVendor))
            return "AMD-Vi is on by default when the firmware enables it: enable the IOMMU in the BIOS/UEFI and remove any amd_iommu=off; there is no amd_iommu=on. " + PassThroughOptional + ".";
        return "Enable the IOMMU/SMMU in the firmware and the kernel configuration (CONFIG_IOMMU_SUPPORT), then reboot.";
    }
}
