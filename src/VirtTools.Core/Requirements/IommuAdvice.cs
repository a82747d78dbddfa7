namespace VirtTools.Requirements;

/// <summary>
/// The vendor rules for switching the IOMMU on, shared by Test-VHSRequirement's advice and
/// Enable-VHSIommu's change: Intel needs intel_iommu=on (6.8+ kernels may default to on), AMD needs
/// nothing (AMD-Vi is on with firmware support, and amd_iommu has no "on" value).
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
}
