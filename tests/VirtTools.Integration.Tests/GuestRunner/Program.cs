using System.Diagnostics;
using VirtTools.Integration.GuestRunner;

// Usage (inside the guest, as root, in the repo directory): GuestRunner <repoRoot> [outDir]
// Performs every scenario once, in order, against the guest kernel, and writes results.json.
// The scenarios unbind NICs and create VFs: only ever on the throwaway guest, whose init sets this.
if (Environment.GetEnvironmentVariable("VIRTTOOLS_IN_GUEST") != "1")
{
    Console.Error.WriteLine("GuestRunner changes the kernel's device bindings; it runs only inside tests/qemu/run-guest.sh.");
    return 2;
}
if (args.Length == 3 && args[0] == "--hold-vfio") return VfioHolder.Run(args[1], args[2]);
if (args.Length == 3 && args[0] == "--unprivileged") return Scenarios.RunUnprivileged(args[1], args[2]);
var started = Process.GetCurrentProcess().StartTime.ToUniversalTime();
var repo = Path.GetFullPath(args.Length > 0 ? args[0] : ".");
var outDir = args.Length > 1 ? args[1] : Environment.GetEnvironmentVariable("VIRTTOOLS_GUEST_OUT") ?? ".";
Directory.CreateDirectory(outDir);
var recorder = new Recorder(Path.Combine(outDir, "results.json"));
var failures = 0;

var env = recorder.Begin("runner");
env.Set("startupSeconds", Math.Round((DateTime.UtcNow - started).TotalSeconds, 3));
var sw = Stopwatch.StartNew();
using var shell = new Shell(repo);
env.Set("importSeconds", Math.Round(sw.Elapsed.TotalSeconds, 3));
env.Set("importErrors", shell.ImportErrors);
env.Set("exportedCmdlets", shell.ExportedCmdlets);
recorder.Flush();

var scenarios = new Scenarios(shell);
// VIRTTOOLS_GUEST_SCENARIOS=a,b runs only those (for a targeted run by hand); the suite runs all.
var only = Environment.GetEnvironmentVariable("VIRTTOOLS_GUEST_SCENARIOS")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
// In the Xen lab's Dom0 (tests/xen/init sets this) the Xen scenarios run instead of the KVM guest's.
var all = Environment.GetEnvironmentVariable("VIRTTOOLS_IN_XEN_DOM0") == "1" ? scenarios.XenAll() : scenarios.All();
foreach (var (name, body) in all.Where(x => only is null || only.Contains(x.Name)))
{
    var s = recorder.Begin(name);
    var t = Stopwatch.StartNew();
    try { body(s); }
    catch (Exception e)
    {
        failures++;
        s.Set("exception", e.ToString());
    }
    s.Set("seconds", Math.Round(t.Elapsed.TotalSeconds, 3));
    recorder.Flush();
    Console.WriteLine($"scenario {name}: {t.Elapsed.TotalSeconds:0.0} s");
}
env.Set("totalSeconds", Math.Round((DateTime.UtcNow - started).TotalSeconds, 3));
recorder.Flush();
return failures == 0 ? 0 : 1;
