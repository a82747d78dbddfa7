namespace VirtTools.Requirements;

/// <summary>The check sets of Test-VHSRequirement.</summary>
public enum HypervisorKind
{
    KVM,
    Xen,
}
