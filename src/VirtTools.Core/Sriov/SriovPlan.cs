using VirtTools.HostUsage;
using VirtTools.Pci;

namespace VirtTools.Sriov;

public enum SriovStepKind
{
    WriteAutoProbe,
    WriteNumVfs,
    WaitForVfs,
    WritePersistentRule,
    RemovePersistentRule,
}

/// <summary>One change, described exactly as it will be made; -WhatIf prints the descriptions of the same list that runs.</summary>
public sealed record SriovStep(SriovStepKind Kind, string Description, string Path, string Value)
{
    public override string ToString() => Description;
}

/// <summary>A VF that the change destroys, and what on the host still uses it.</summary>
public sealed record SriovVfUse(PciAddress Address, int Index, string? Driver, IReadOnlyList<HostUsageReason> Reasons);

public sealed class SriovPlan
{
    public SriovPlan(PciAddress pf, int requested)
    {
        PhysicalFunction = pf;
        Requested = requested;
    }

    public PciAddress PhysicalFunction { get; }
    public int Requested { get; }
    public int Current { get; init; }
    public int TotalVfs { get; init; }
    public string? PfDriver { get; init; }
    /// <summary>sriov_drivers_autoprobe as read (null when the file is absent).</summary>
    public bool? CurrentAutoProbe { get; init; }
    /// <summary>The VFs that exist now and that the change removes (all of them: there is no partial disable).</summary>
    public List<SriovVfUse> Destroyed { get; } = new();
    public List<SriovStep> Steps { get; } = new();
    public List<string> Warnings { get; } = new();
    public List<string> Notes { get; } = new();
    /// <summary>Guard findings that -Force overrode.</summary>
    public List<HostUsageReason> Overridden { get; } = new();
    public string LockPath { get; init; } = "";

    public bool HasChanges => Steps.Count > 0;
    public bool DestroysVfs => Destroyed.Count > 0;

    /// <summary>True when the kernel's count changes (not only autoprobe or the rules file).</summary>
    public bool ChangesCount => Steps.Any(s => s.Kind == SriovStepKind.WriteNumVfs);

    public string Describe() => string.Join(Environment.NewLine, Steps.Select((s, i) => $"{i + 1}. {s.Description}"));
}
