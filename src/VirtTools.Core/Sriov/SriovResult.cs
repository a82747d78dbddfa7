namespace VirtTools.Sriov;

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
