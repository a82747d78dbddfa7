namespace VirtTools.Host;

/// <summary>
/// The crash seam of the persistent writers, in the spirit of the kernel's fault-injection framework:
/// with VIRTTOOLS_CRASH_AFTER=N in the environment, the process kills itself with SIGKILL at the N-th
/// step (a temp file written, a rename, a directory sync, a delete, a program run), so a test can
/// prove what a power cut or an OOM kill at that point leaves behind. Unset, it costs one check.
/// </summary>
public static class FaultInjection
{
    public const string Variable = "VIRTTOOLS_CRASH_AFTER";
    public const string TraceVariable = "VIRTTOOLS_CRASH_TRACE";
    private static readonly int CrashAt = int.TryParse(Environment.GetEnvironmentVariable(Variable), out var n) && n > 0 ? n : 0;
    private static int _steps;

    /// <summary>Counts one step; at the chosen one the process dies without unwinding, as under SIGKILL.</summary>
    public static void Step(string what)
    {
        if (CrashAt == 0) return;
        var step = Interlocked.Increment(ref _steps);
        // The run that counts the steps a change has (a CrashAt beyond them) names each one.
        if (Environment.GetEnvironmentVariable(TraceVariable) is { Length: > 0 } trace)
            File.AppendAllText(trace, $"{step} {what}\n");
        if (step == CrashAt && Libc.Available) _ = Libc.kill(Environment.ProcessId, 9);
    }
}
