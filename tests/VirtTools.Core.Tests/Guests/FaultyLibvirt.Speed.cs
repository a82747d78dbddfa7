namespace VirtTools.Tests.Guests;

public sealed partial class FaultyConnection
{
    /// <summary>How often each counted seam call was made: proves what a pipeline reads once.</summary>
    public Dictionary<string, int> Calls { get; } = new();

    private T Counted<T>(string op, Func<T> call)
    {
        Calls[op] = Calls.GetValueOrDefault(op) + 1;
        return call();
    }
}
