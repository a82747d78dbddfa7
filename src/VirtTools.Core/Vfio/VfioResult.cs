namespace VirtTools.Vfio;

/// <summary>What happened: the plan, plus what was learnt while running it.</summary>
public sealed class VfioResult
{
    public VfioResult(VfioPlan plan) => Plan = plan;
    public VfioPlan Plan { get; }
    public List<string> Warnings { get; } = new();
    public List<string> Notes { get; } = new();
}
