namespace VirtTools;

/// <summary>Outcome of one host check. Only Fail makes Test-VHSRequirement -Quiet return false.</summary>
public enum RequirementStatus
{
    Pass,
    Warn,
    Fail,
    /// <summary>Not applicable here, or the root does not show what the check needs.</summary>
    Skip,
}

/// <summary>One check of Test-VHSRequirement.</summary>
public sealed class RequirementCheck
{
    /// <summary>Stable PascalCase name, usable with -Name.</summary>
    public required string Name { get; init; }
    /// <summary>KVM or Xen: the check set this check belongs to.</summary>
    public required string Hypervisor { get; init; }
    public required RequirementStatus Status { get; init; }
    public required string Detail { get; init; }
    /// <summary>What to do about a Warn or Fail; null when nothing is needed.</summary>
    public string? Remedy { get; init; }

    public override string ToString() => $"{Name}: {Status}";
}
