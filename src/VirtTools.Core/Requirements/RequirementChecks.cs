using VirtTools.Capability;

namespace VirtTools.Requirements;

/// <summary>The outcome of one check, before it becomes a <see cref="RequirementCheck"/>.</summary>
internal readonly record struct RequirementResult(RequirementStatus Status, string Detail, string? Remedy = null);

/// <summary>
/// What every set of requirement checks shares: the facts, the verdict helpers, and the ways a remedy
/// depends on the CPU vendor and on running inside a guest.
/// </summary>
internal abstract class RequirementChecks
{
    protected readonly HostFacts _facts;
    protected readonly HostCapability _cap;

    protected RequirementChecks(HostFacts facts)
    {
        _facts = facts;
        _cap = facts.Capability;
    }

    protected static RequirementResult Skip(string why) => new(RequirementStatus.Skip, why);
    protected static RequirementResult Pass(string detail) => new(RequirementStatus.Pass, detail);
    protected static RequirementResult Warn(string detail, string remedy) => new(RequirementStatus.Warn, detail, remedy);
    protected static RequirementResult Fail(string detail, string remedy) => new(RequirementStatus.Fail, detail, remedy);

    protected string Arch => _cap.Architecture ?? "unknown";

    protected string CpuInfoMissing => _cap.ReadFailures.Any(p => p.StartsWith("/proc/cpuinfo:", StringComparison.Ordinal))
        ? "/proc/cpuinfo could not be parsed (see Get-VHSCapability's ReadFailures): CPU facts are unknown."
        : "/proc/cpuinfo is not in this root.";
    protected bool IsIntel => IommuAdvice.IsIntel(_cap.CpuVendor);
    protected bool IsAmd => IommuAdvice.IsAmd(_cap.CpuVendor);

    protected string KvmModuleAdvice => IsIntel ? "kvm_intel" : IsAmd ? "kvm_amd" : "kvm";

    /// <summary>In a guest the firmware is the outer hypervisor's: remedies say what to ask of it instead of the BIOS.</summary>
    protected bool InGuest => _cap.IsVirtualMachine == true;

    protected string Outer => _cap.Hypervisor is { Length: > 0 } h ? $"the outer hypervisor ({h})" : "the outer hypervisor";

    protected static string Join(IEnumerable<string>? names) => names is null ? "unknown" : names.Any() ? string.Join(", ", names) : "none";
}
