namespace VirtTools.Sriov;

/// <summary>One `ip link set` call, with the call that puts back what it changes (null when the old value is unknown).</summary>
public sealed record SriovVfStep(string Setting, IReadOnlyList<string> Arguments, IReadOnlyList<string>? RestoreArguments)
{
    public string CommandLine => "ip " + string.Join(' ', Arguments);
    public override string ToString() => CommandLine;
}

public sealed class SriovVfPlan
{
    public required SriovVf Current { get; init; }
    public required string PfInterface { get; init; }
    public string? PfDriver { get; init; }
    public List<SriovVfStep> Steps { get; } = new();
    public List<string> Notes { get; } = new();
    public List<string> Warnings { get; } = new();
    /// <summary>What the VF should read afterwards (the request merged over the current values).</summary>
    public required SriovVf Expected { get; init; }
    public bool HasChanges => Steps.Count > 0;
}
