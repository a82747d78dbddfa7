using System.Diagnostics;
using System.Text.Json;

namespace VirtTools.Integration.Tests;

/// <summary>
/// The one guest boot of a test run: prepares the kernel (tests/qemu/prepare.sh), boots the guest once
/// with GuestRunner as its command, and keeps what it recorded. Booting once keeps the suite within a
/// few minutes; every test asserts on its own scenario.
/// </summary>
public sealed class GuestRun
{
    private static readonly Lazy<string?> s_skipReason = new(FindSkipReason);
    private static readonly Lazy<GuestRun> s_run = new(() => new GuestRun(igb: false));
    private static readonly Lazy<GuestRun> s_igb = new(() => new GuestRun(igb: true));

    public static string RepoRoot { get; } = LabScript.FindRepoRoot("tests/qemu");
    public static string? SkipReason => s_skipReason.Value;
    public static GuestRun Instance => s_run.Value;

    /// <summary>
    /// A second boot, on QEMU 10 with an igb NIC (tests/qemu/prepare-qemu10.sh fetches it), running only the
    /// igbVf scenario; the first boot keeps the system QEMU. A failed download fails these tests with its output.
    /// </summary>
    public static GuestRun Igb => s_igb.Value;

    public int ExitCode { get; }
    public string Output { get; }
    public double WallSeconds { get; }
    public JsonElement Results { get; }
    public string ResultsPath { get; }

    private GuestRun(bool igb)
    {
        var runner = Path.Combine(RepoRoot, "tests/VirtTools.Integration.Tests/GuestRunner/bin", LabScript.Configuration(), "net10.0/GuestRunner.dll");
        if (!File.Exists(runner)) throw new FileNotFoundException("GuestRunner is not built (the test project builds it)", runner);
        // Beside the test assembly: replaced by the next run, there to read after a failure.
        var outDir = Path.Combine(AppContext.BaseDirectory, igb ? "guest-results-igb" : "guest-results");
        if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        var env = new Dictionary<string, string>
        {
            ["VIRTTOOLS_QEMU_OUT"] = outDir,
            ["VIRTTOOLS_QEMU_TIMEOUT"] = System.Environment.GetEnvironmentVariable("VIRTTOOLS_QEMU_TIMEOUT") ?? "900",
            ["VIRTTOOLS_QEMU_PASSENV"] = "DOTNET_TieredPGO DOTNET_CLI_TELEMETRY_OPTOUT DOTNET_NOLOGO",
            // Instrumented tier-0 code costs more than it saves in a short emulated run.
            ["DOTNET_TieredPGO"] = "0",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
        };
        if (igb)
        {
            env["VIRTTOOLS_QEMU_IGB"] = "1";
            env["VIRTTOOLS_GUEST_SCENARIOS"] = "igbVf";
            env["VIRTTOOLS_QEMU_PASSENV"] += " VIRTTOOLS_GUEST_SCENARIOS";
        }
        var sw = Stopwatch.StartNew();
        (ExitCode, Output) = RunScript("run-guest.sh", env, "dotnet", runner, RepoRoot);
        WallSeconds = sw.Elapsed.TotalSeconds;
        ResultsPath = Path.Combine(outDir, "results.json");
        Results = File.Exists(ResultsPath)
            ? JsonDocument.Parse(File.ReadAllText(ResultsPath)).RootElement.Clone()
            : JsonDocument.Parse("{}").RootElement.Clone();
        Console.WriteLine($"[integration] guest run{(igb ? " (QEMU 10, igb)" : "")}: exit {ExitCode}, {WallSeconds:0.0} s wall\n{Output}");
    }

    /// <summary>The recorded scenario, or a failure that shows the guest's output when it is missing.</summary>
    public JsonElement Scenario(string name)
    {
        if (Results.TryGetProperty(name, out var s))
        {
            if (s.TryGetProperty("exception", out var ex)) Assert.Fail($"scenario {name} threw in the guest:\n{ex.GetString()}");
            return s;
        }
        Assert.Fail($"the guest recorded no scenario '{name}' (exit {ExitCode}):\n{Output}");
        return default;
    }

    private static string? FindSkipReason()
    {
        if (System.Environment.GetEnvironmentVariable("VIRTTOOLS_SKIP_QEMU") == "1") return "VIRTTOOLS_SKIP_QEMU=1";
        if (!OperatingSystem.IsLinux()) return "the QEMU integration suite runs on Linux only";
        if (!OnPath("qemu-system-x86_64")) return "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)";
        // Fetches and unpacks the kernel deb on the first run; exit 3 means it cannot.
        var (rc, output) = RunScript("prepare.sh", new Dictionary<string, string>());
        return rc switch
        {
            0 => null,
            3 => "guest prerequisites missing: " + output.Trim(),
            _ => null, // Anything else is a harness bug: let the tests run and fail with it.
        };
    }

    private static bool OnPath(string program) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(d => File.Exists(Path.Combine(d, program)));

    private static (int, string) RunScript(string script, IDictionary<string, string> env, params string[] args) =>
        LabScript.Run(RepoRoot, Path.Combine("tests/qemu", script), env, args);
}

/// <summary>A fact that needs the guest: skipped with the reason when QEMU or the kernel is unavailable.</summary>
public sealed class GuestFactAttribute : FactAttribute
{
    public GuestFactAttribute()
    {
        if (GuestRun.SkipReason is string reason) Skip = reason;
    }
}

/// <summary>A theory that needs the guest; see <see cref="GuestFactAttribute"/>.</summary>
public sealed class GuestTheoryAttribute : TheoryAttribute
{
    public GuestTheoryAttribute()
    {
        if (GuestRun.SkipReason is string reason) Skip = reason;
    }
}
