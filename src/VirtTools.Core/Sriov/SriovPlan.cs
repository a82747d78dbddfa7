using VirtTools.HostUsage;
using VirtTools.Pci;

namespace VirtTools.Sriov;

public sealed class SriovOptions
{
    /// <summary>Write sriov_drivers_autoprobe before enabling; null leaves the file alone.</summary>
    public bool? AutoProbe { get; set; }
    /// <summary>Destroy VFs that something on the host still uses (never one held open through VFIO).</summary>
    public bool Force { get; set; }
    /// <summary>Keep the count in VirtTools' udev rules file, so it comes back whenever the PF's driver binds.</summary>
    public bool Persist { get; set; }
    /// <summary>SSH_CONNECTION of the session, for the SSH-interface guard.</summary>
    public string? SshConnection { get; set; }
    /// <summary>
    /// How long to wait for the virtfnN links after a write. The kernel creates them before the write
    /// returns (2 VFs in 0.21 s on 6.1), so this bounds a driver that enables VFs asynchronously.
    /// </summary>
    public TimeSpan VfWaitTimeout { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);
    public Action<TimeSpan> Sleep { get; set; } = Thread.Sleep;
    /// <summary>Called while waiting for VFs: (links present, links wanted, seconds waited).</summary>
    public Action<int, int, double>? Progress { get; set; }
}

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

public sealed class SriovResult
{
    public SriovResult(SriovPlan plan) => Plan = plan;
    public SriovPlan Plan { get; }
    public List<string> Warnings { get; } = new();
    public List<string> Notes { get; } = new();
    /// <summary>sriov_numvfs re-read after the change.</summary>
    public int FinalCount { get; set; }
    /// <summary>Seconds each count write took (the kernel's time plus the wait for the virtfn links).</summary>
    public List<(int Count, double Seconds)> Timings { get; } = new();
}
