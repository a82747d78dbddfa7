using System.Diagnostics;

namespace VirtTools.Integration.Tests;

/// <summary>
/// Runs the harness scripts of the real-kernel suites (tests/qemu, tests/xen) from the repository root;
/// shared by the KVM guest's fixture and the Xen lab's.
/// </summary>
public static class LabScript
{
    /// <summary>The repository root above the test assembly: the directory with VirtTools.psd1 and <paramref name="harnessDir"/>.</summary>
    public static string FindRepoRoot(string harnessDir)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "VirtTools.psd1")) && Directory.Exists(Path.Combine(d.FullName, harnessDir)))
                return d.FullName;
        throw new DirectoryNotFoundException($"repository root (VirtTools.psd1 and {harnessDir}) not found above {AppContext.BaseDirectory}");
    }

    /// <summary>The build configuration the test assembly runs from (Debug or Release), for GuestRunner's path.</summary>
    public static string Configuration() =>
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent?.Name ?? "Debug";

    /// <summary>Runs <paramref name="script"/> in <paramref name="repoRoot"/>; returns its exit code and stdout followed by stderr.</summary>
    public static (int ExitCode, string Output) Run(string repoRoot, string script, IDictionary<string, string> env, params string[] args)
    {
        var psi = new ProcessStartInfo(Path.Combine(repoRoot, script))
        {
            WorkingDirectory = repoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }
}
