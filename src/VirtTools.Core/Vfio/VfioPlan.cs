using VirtTools.HostUsage;
using VirtTools.Pci;

namespace VirtTools.Vfio;

public enum VfioOperation { Enable, Disable }

public enum VfioStepKind
{
    LoadModule,
    WriteOverride,
    ClearOverride,
    Unbind,
    /// <summary>xen-pciback: drop the device from pciback's slots, so the reprobe does not give it to pciback again.</summary>
    RemovePcibackSlot,
    Probe,
    WaitForDriver,
    CheckVfioNode,
    BackupPersistentOverride,
    WritePersistentOverride,
    RemovePersistentOverride,
}

/// <summary>
/// One change, described exactly as it will be made. -WhatIf prints <see cref="Description"/>;
/// execution runs the same list, so what is shown is what happens.
/// </summary>
public sealed record VfioStep(VfioStepKind Kind, PciAddress Address, string Description, string? Path = null, string? Value = null)
{
    /// <summary>For WaitForDriver: a missing driver is a warning, not a failure (Disable without -Driver).</summary>
    public bool Soft { get; init; }
    public override string ToString() => Description;
}

public sealed class VfioPlan
{
    public VfioPlan(VfioOperation operation, PciAddress address, string? driver)
    {
        Operation = operation;
        Address = address;
        Driver = driver;
    }

    public VfioOperation Operation { get; }
    /// <summary>The function asked for.</summary>
    public PciAddress Address { get; }
    /// <summary>Enable: the pass-through driver. Disable: the host driver named with -Driver, or null.</summary>
    public string? Driver { get; }
    public int? IommuGroup { get; init; }
    public List<VfioTarget> Targets { get; } = new();
    public List<VfioStep> Steps { get; } = new();
    /// <summary>Said before acting (-Force overrides, blacklist lines, a group left non-viable).</summary>
    public List<string> Warnings { get; } = new();
    /// <summary>Verbose facts ("already bound", "bridge skipped").</summary>
    public List<string> Notes { get; } = new();
    /// <summary>Guard findings that -Force overrode.</summary>
    public List<HostUsageReason> Overridden { get; } = new();
    /// <summary>Group members on a host driver that this plan leaves there (they keep the group non-viable).</summary>
    public List<VfioGroupBlocker> GroupBlockers { get; } = new();
    public string LockPath { get; set; } = "";

    public bool HasChanges => Steps.Count > 0;

    /// <summary>
    /// One warning per IOMMU group that stays non-viable after all of <paramref name="plans"/> (one
    /// command's whole pipeline): a blocker that another plan of the same call binds does not count.
    /// </summary>
    public static IReadOnlyList<string> NonViableWarnings(IEnumerable<VfioPlan> plans)
    {
        var list = plans.ToList();
        var bound = list.SelectMany(p => p.Targets).Select(t => t.Address).ToHashSet();
        var warnings = new List<string>();
        foreach (var byGroup in list.SelectMany(p => p.GroupBlockers.Select(b => (Plan: p, Blocker: b))).GroupBy(x => x.Blocker.Group).OrderBy(g => g.Key))
        {
            var left = byGroup.Select(x => x.Blocker).Where(b => !bound.Contains(b.Address)).Distinct().OrderBy(b => b.Address).ToList();
            if (left.Count == 0) continue;
            var asked = byGroup.First().Plan.Address;
            warnings.Add($"IOMMU group {byGroup.Key} stays non-viable: {string.Join(", ", left)} still on a host driver. " +
                         $"Bind them too (Enable-VfioDevice {asked} -IncludeIommuGroup), or no guest can use the group.");
        }
        return warnings;
    }

    public string Describe() => string.Join(Environment.NewLine, Steps.Select((s, i) => $"{i + 1}. {s.Description}"));
}

/// <summary>A group member on a host driver; ToString is "address (driver)".</summary>
public sealed record VfioGroupBlocker(int Group, PciAddress Address, string? Driver)
{
    public override string ToString() => $"{Address} ({Driver})";
}
