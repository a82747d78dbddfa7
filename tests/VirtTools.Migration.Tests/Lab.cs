using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text.RegularExpressions;

namespace VirtTools.Migration.Tests;

/// <summary>
/// Two libvirt daemons from tests/libvirt/lab.sh for the whole collection, and one hosted PowerShell
/// runspace with the module imported. Dispose stops every daemon and QEMU by the pids lab.sh recorded.
/// </summary>
public sealed class Lab : IDisposable
{
    public string? SkipReason { get; }
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), $"vt-lab-{Environment.ProcessId}");
    public string AUri { get; } = "";
    public string BUri { get; } = "";
    public string AUuid { get; } = "";
    /// <summary>Host paths of the daemons' pool 'default' (/var/lib/libvirt/images as each daemon sees it).</summary>
    public string APool { get; } = "";
    public string BPool { get; } = "";
    public string MigDir { get; } = "";
    public Runspace? Runspace { get; }
    private readonly bool _started;

    public static string RepoRoot { get; } = FindRepo();

    private static string FindRepo()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "VirtTools.psd1"))) return d.FullName;
        throw new InvalidOperationException("no VirtTools.psd1 above " + AppContext.BaseDirectory);
    }

    public Lab()
    {
        if (Environment.GetEnvironmentVariable("VIRTTOOLS_SKIP_LIBVIRT") == "1") { SkipReason = "VIRTTOOLS_SKIP_LIBVIRT=1"; return; }
        StopStaleLabs();
        var (rc, output, error) = Run("bash", Path.Combine(RepoRoot, "tests/libvirt/lab.sh"), "start", Dir, "ab");
        _started = true;
        if (rc == 3) { SkipReason = "lab.sh: " + error.Trim(); return; }
        if (rc != 0) throw new InvalidOperationException($"lab.sh start failed ({rc}): {error}\n{output}");
        var env = output.Split('\n').Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1].Trim());
        AUri = env["LAB_A_URI"];
        BUri = env["LAB_B_URI"];
        AUuid = env["LAB_A_UUID"];
        APool = env["LAB_A_POOL"];
        BPool = env["LAB_B_POOL"];
        MigDir = env["LAB_MIG_DIR"];
        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(Path.Combine(RepoRoot, "VirtTools.psd1"));
        Runspace = RunspaceFactory.CreateRunspace(iss);
        Runspace.Open();
    }

    /// <summary>Labs left by a test host that was killed (its pid is in the directory name): stopped by their recorded pids.</summary>
    private static void StopStaleLabs()
    {
        foreach (var d in Directory.GetDirectories(Path.GetTempPath(), "vt-lab-*"))
        {
            if (!int.TryParse(Path.GetFileName(d)["vt-lab-".Length..], out var pid) || pid == Environment.ProcessId) continue;
            if (Directory.Exists($"/proc/{pid}")) continue;
            Run("bash", Path.Combine(RepoRoot, "tests/libvirt/lab.sh"), "stop", d);
        }
    }

    public void Dispose()
    {
        Runspace?.Dispose();
        if (_started) Run("bash", Path.Combine(RepoRoot, "tests/libvirt/lab.sh"), "stop", Dir);
    }

    /// <summary>Starts one more daemon <paramref name="name"/> with the given host UUID; returns its URI. Stop it with <see cref="StopDaemon"/>.</summary>
    public string AddDaemon(string name, string hostUuid)
    {
        var (rc, o, e) = Run("bash", Path.Combine(RepoRoot, "tests/libvirt/lab.sh"), "add", Dir, name, hostUuid);
        if (rc != 0) throw new InvalidOperationException($"lab.sh add {name} failed ({rc}): {e}");
        return o.Split('\n').Single(l => l.StartsWith($"LAB_{name.ToUpperInvariant()}_URI=", StringComparison.Ordinal)).Split('=', 2)[1].Trim();
    }

    public void StopDaemon(string name) => Run("bash", Path.Combine(RepoRoot, "tests/libvirt/lab.sh"), "stop", Dir, name);

    public static (int Rc, string Out, string Err) Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o, err.Result);
    }

    public string Virsh(string uri, params string[] args)
    {
        var (rc, o, e) = Run("virsh", ["-q", "-c", uri, .. args]);
        return rc == 0 ? o.Trim() : throw new InvalidOperationException($"virsh {string.Join(' ', args)}: {e}");
    }

    /// <summary>running, shut off ... or null when the daemon has no such guest.</summary>
    public string? State(string uri, string guest)
    {
        var (rc, o, _) = Run("virsh", "-q", "-c", uri, "domstate", guest);
        return rc == 0 ? o.Trim() : null;
    }

    /// <summary>A post-mortem of a guest that is not where a test expected it: its state and reason on each daemon, the end of each QEMU log.</summary>
    public string WhereIs(string guest)
    {
        var lines = new List<string> { $"guest '{guest}' is not where it was expected:" };
        foreach (var d in Directory.GetDirectories(Dir).Where(d => Directory.Exists(Path.Combine(d, "etc"))).Order())
        {
            var uri = $"qemu+unix:///system?socket={d}/run/libvirt-sock";
            var (rc, o, e) = Run("virsh", "-q", "-c", uri, "domstate", "--reason", guest);
            lines.Add($"daemon {Path.GetFileName(d)}: {(rc == 0 ? o.Trim() : e.Trim())}");
            var log = Path.Combine(d, "log/qemu", guest + ".log");
            if (File.Exists(log)) lines.AddRange(File.ReadLines(log).TakeLast(5).Select(l => "  " + l));
        }
        return string.Join("\n", lines);
    }

    /// <summary>Starts the counter guest (transient, no disk) on <paramref name="uri"/>; returns its console file once it ticks.</summary>
    public string StartCounterGuest(string uri, string name, string? disk = null, bool persistent = false)
    {
        var console = Path.Combine(Dir, name + ".console");
        var (rc, xml, err) = Run("bash", Path.Combine(RepoRoot, "tests/libvirt/lab.sh"), "guest-xml", Dir, name, console, "128", disk ?? "");
        if (rc != 0) throw new InvalidOperationException(err);
        var file = Path.Combine(Dir, name + ".xml");
        File.WriteAllText(file, xml);
        if (persistent) { Virsh(uri, "define", file); Virsh(uri, "start", name); }
        else Virsh(uri, "create", file);
        WaitForTicks(console, 1, TimeSpan.FromSeconds(60));
        return console;
    }

    public static IReadOnlyList<(int Tick, string Boot)> Ticks(string console) =>
        File.Exists(console)
            ? File.ReadAllLines(console).Select(l => Regex.Match(l, @"^tick (\d+) boot=(\w+)")).Where(m => m.Success)
                .Select(m => (int.Parse(m.Groups[1].Value), m.Groups[2].Value)).ToList()
            : Array.Empty<(int, string)>();

    public static int WaitForTicks(string console, int atLeast, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            var t = Ticks(console);
            if (t.Count >= atLeast) return t[^1].Tick;
            Thread.Sleep(200);
        }
        throw new TimeoutException($"{console}: fewer than {atLeast} ticks after {timeout}");
    }

    /// <summary>Runs a script in the shared runspace; returns output, errors and progress records.</summary>
    public Result Invoke(string script, IDictionary<string, object?>? variables = null)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = Runspace;
        foreach (var (k, v) in variables ?? new Dictionary<string, object?>()) ps.Runspace!.SessionStateProxy.SetVariable(k, v);
        ps.AddScript(script);
        var output = ps.Invoke();
        return new Result(output, ps.Streams.Error.ToList(), ps.Streams.Progress.ToList());
    }

    public sealed record Result(IReadOnlyList<PSObject> Output, IReadOnlyList<ErrorRecord> Errors, IReadOnlyList<ProgressRecord> Progress)
    {
        public string ErrorText => string.Join("\n", Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}"));
    }
}

[CollectionDefinition(Name)]
public sealed class LabCollection : ICollectionFixture<Lab>
{
    public const string Name = "two libvirt daemons";
}

/// <summary>A fact that needs the two daemons: skipped with the reason when this machine cannot run them.</summary>
public sealed class LabFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Reason = new(FindSkipReason);

    public LabFactAttribute()
    {
        if (Reason.Value is string r) Skip = r;
    }

    private static string? FindSkipReason()
    {
        if (Environment.GetEnvironmentVariable("VIRTTOOLS_SKIP_LIBVIRT") == "1") return "VIRTTOOLS_SKIP_LIBVIRT=1";
        if (!OperatingSystem.IsLinux()) return "libvirt daemons run on Linux only";
        if (Environment.UserName != "root") return "starting libvirtd in its own mount namespace needs root";
        foreach (var p in new[] { "libvirtd", "virtlogd", "virsh", "qemu-system-x86_64", "unshare", "qemu-img", "busybox" })
            if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, p))))
                return $"{p} is not installed (apt-get install libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils busybox-static)";
        // lab.sh's other exit-3 reason, asked here because a fact cannot skip itself once the fixture started
        if (Lab.Run("unshare", "-m", "--propagation", "private", "true").Rc != 0)
            return "unshare -m is not allowed here (no CAP_SYS_ADMIN): each daemon needs its own mount namespace";
        // Fetches and unpacks the kernel deb on the first run; exit 3 means it cannot.
        var (rc, _, err) = Lab.Run("bash", Path.Combine(Lab.RepoRoot, "tests/qemu/prepare.sh"));
        return rc == 3 ? "guest kernel unavailable: " + err.Trim() : null;
    }
}
