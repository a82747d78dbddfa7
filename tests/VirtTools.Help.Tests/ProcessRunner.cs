using System.Diagnostics;

namespace VirtTools.Help.Tests;

public sealed record ProcessOutcome(int ExitCode, string StandardOutput, string StandardError);

/// <summary>Runs a program to completion with redirected streams (so it never sees a terminal).</summary>
public static class ProcessRunner
{
    public static ProcessOutcome Run(string program, IEnumerable<string> arguments, IDictionary<string, string?>? environment,
        string? stdin = null, int timeoutSeconds = 120, bool keepStdinOpen = false)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment)
            {
                if (v is null) psi.Environment.Remove(k);
                else psi.Environment[k] = v;
            }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) p.StandardInput.Write(stdin);
        // Open, like `ssh host cmd` with nothing typed: a program that reads it waits, one that prompts hangs.
        if (!keepStdinOpen) p.StandardInput.Close();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(true);
            throw new TimeoutException($"{program} did not finish in {timeoutSeconds} s");
        }
        return new ProcessOutcome(p.ExitCode, stdout.Result, stderr.Result);
    }
}
