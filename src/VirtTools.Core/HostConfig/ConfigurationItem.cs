namespace VirtTools
{
    /// <summary>InSync: live equals configured. PendingReboot: the next boot (or load) applies it. Drift: something else must happen.</summary>
    public enum ConfigurationStatus
    {
        InSync,
        PendingReboot,
        Drift,
    }

    /// <summary>One configured item of the host compared with what is live.</summary>
    public sealed class ConfigurationItem
    {
        /// <summary>KernelParameter, ModuleOption, ModuleLoad, DriverOverride or SriovVfCount.</summary>
        public required string Category { get; init; }
        /// <summary>What is compared: "intel_iommu", "kvm_intel nested", "vfio_pci", "0000:03:00.0".</summary>
        public required string Item { get; init; }
        public string? Configured { get; init; }
        public string? Running { get; init; }
        public required ConfigurationStatus Status { get; init; }
        /// <summary>The file that configures it.</summary>
        public string? Source { get; init; }
        public string? Remedy { get; init; }
    }
}
