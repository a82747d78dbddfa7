using System.Diagnostics;
using System.Text.Json;

namespace VirtTools.Xen.Tests;

/// <summary>
/// The one boot of the Xen lab in a test run: tests/xen/run-dom0.sh boots Xen and its Dom0 with
/// GuestRunner as the command, which runs the Xen scenarios and records them; every test asserts on its
/// own scenario. Skipped when QEMU or the Xen packages cannot be had (prepare.sh exit 3).
/// </summary>
public sealed class XenLab
{
    private static readonly Lazy<string?> s_skipReason = new(FindSkipReason);
    private static readonly Lazy<XenLab> s_run = new(() => new XenLab());

    public static string RepoRoot { get; } = LabScript.FindRepoRoot("tests/xen");
    public static string? SkipReason => s_skipReason.Value;
    public static XenLab Instance => s_run.Value;

    public int ExitCode { get; }
    public string Output { get; }
    public double WallSeconds { get; }
    public JsonElement Results { get; }

    private XenLab()
    {
        var runner = Path.Combine(RepoRoot, "tests/VirtTools.Integration.Tests/GuestRunner/bin", LabScript.Configuration(), "net10.0/GuestRunner.dll");
        if (!File.Exists(runner)) throw new FileNotFoundException("GuestRunner is not built (the test project builds it)", runner);
        var outDir = Path.Combine(AppContext.BaseDirectory, "xen-results");
        if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        var env = new Dictionary<string, string>
        {
            ["VIRTTOOLS_QEMU_OUT"] = outDir,
            // Dom0's PV page tables make every .NET start slow under TCG: about 3 min for the import and
            // scenarios on an idle machine; the bound leaves room for a loaded 2-core one.
            ["VIRTTOOLS_XEN_TIMEOUT"] = System.Environment.GetEnvironmentVariable("VIRTTOOLS_XEN_TIMEOUT") ?? "1200",
            ["VIRTTOOLS_QEMU_PASSENV"] = "DOTNET_TieredPGO DOTNET_CLI_TELEMETRY_OPTOUT DOTNET_NOLOGO",
            ["DOTNET_TieredPGO"] = "0",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
        };
        var sw = Stopwatch.StartNew();
        (ExitCode, Output) = RunScript("run-dom0.sh", env, "dotnet", runner, RepoRoot);
        WallSeconds = sw.Elapsed.TotalSeconds;
        var results = Path.Combine(outDir, "results.json");
        Results = JsonDocument.Parse(File.Exists(results) ? File.ReadAllText(results) : "{}").RootElement.Clone();
        Console.WriteLine($"[xen] Xen lab run: exit {ExitCode}, {WallSeconds:0.0} s wall\n{Output}");
    }

    /// <summary>The recorded scenario, or a failure that shows Dom0's output when it is missing.</summary>
    public JsonElement Scenario(string name)
    {
        if (Results.TryGetProperty(name, out var s))
        {
            if (s.TryGetProperty("exception", out var ex)) Assert.Fail($"scenario {name} threw in Dom0:\n{ex.GetString()}");
            return s;
        }
        Assert.Fail($"Dom0 recorded no scenario '{name}' (exit {ExitCode}):\n{Output}");
        return default;
    }

    private static string? FindSkipReason()
    {
        if (System.Environment.GetEnvironmentVariable("VIRTTOOLS_SKIP_QEMU") == "1") return "VIRTTOOLS_SKIP_QEMU=1";
        if (System.Environment.GetEnvironmentVariable("VIRTTOOLS_SKIP_XEN") == "1") return "VIRTTOOLS_SKIP_XEN=1";
        if (!OperatingSystem.IsLinux()) return "the Xen lab runs on Linux only";
        var (rc, output) = RunScript("prepare.sh", new Dictionary<string, string>());
        // 3: a prerequisite is missing; anything else is a harness bug the tests then fail with.
        return rc == 3 ? "Xen lab prerequisites missing: " + output.Trim() : null;
    }

    private static (int, string) RunScript(string script, IDictionary<string, string> env, params string[] args) =>
        LabScript.Run(RepoRoot, Path.Combine("tests/xen", script), env, args);
}

/// <summary>A fact that needs the Xen lab: skipped with the reason when it cannot boot here.</summary>
public sealed class XenFactAttribute : FactAttribute
{
    public XenFactAttribute()
    {
        if (XenLab.SkipReason is string reason) Skip = reason;
    }
}
