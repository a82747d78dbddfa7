namespace VirtTools.Capability;

/// <summary>Everything read for a <see cref="HostCapability"/>, kept for the requirement checks.</summary>
public sealed class HostFacts
{
    public required HostCapability Capability { get; init; }
    public CpuInfo? Cpu { get; init; }
    public required KernelCommandLine CommandLine { get; init; }
    public bool CommandLineKnown { get; init; }
    public required KernelModules Modules { get; init; }
    public bool IsLiveRoot { get; init; }
    /// <summary>/sys/module/kvm_amd/parameters/sev is 1 or Y (null: not readable).</summary>
    public bool? KvmAmdSevEnabled { get; init; }
    public bool? DevSev { get; init; }
    /// <summary>/sys/firmware/uv exists (s390 Ultravisor).</summary>
    public bool? S390Ultravisor { get; init; }
    /// <summary>xen-pciback is loaded, built in, installed, or its pciback driver is registered.</summary>
    public bool? XenPcibackAvailable { get; init; }
    /// <summary>/sys/bus/pci/drivers exists, so a missing pciback there is evidence.</summary>
    public bool PciDriversListed { get; init; }
}
