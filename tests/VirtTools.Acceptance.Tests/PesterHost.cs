using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace VirtTools.Acceptance;

public sealed record PesterTestResult(string[] Path, string Result, string? Message, bool Skip, TimeSpan Duration)
{
    public string DisplayPath => string.Join(" > ", Path);
}

public sealed record PesterFailure(string Where, string Message)
{
    public override string ToString() => $"{Where}: {Message}";
}

/// <summary>What PesterLite reported for one file (discovery only, or discovery and run).</summary>
public sealed class PesterFileResult
{
    public required string File { get; init; }
    public IReadOnlyList<PesterTestResult> Tests { get; init; } = [];
    public IReadOnlyList<PesterFailure> Failures { get; init; } = [];
    public bool DiscoveryFailed { get; init; }

    /// <summary>One stable key per test: its path, with " #n" added to repeated paths.</summary>
    public IReadOnlyList<(string Key, PesterTestResult Test)> Keyed()
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var list = new List<(string, PesterTestResult)>();
        foreach (var t in Tests)
        {
            var n = seen[t.DisplayPath] = seen.GetValueOrDefault(t.DisplayPath) + 1;
            list.Add((n == 1 ? t.DisplayPath : $"{t.DisplayPath} #{n}", t));
        }
        return list;
    }

    public PesterTestResult? Find(string key) => Keyed().FirstOrDefault(k => k.Key == key).Test;

    public PesterTestResult Single(string path) =>
        Tests.SingleOrDefault(t => t.DisplayPath == path)
        ?? throw new Xunit.Sdk.XunitException($"No test '{path}' in {File}; found: {string.Join(" | ", Tests.Select(t => t.DisplayPath))}");
}

/// <summary>
/// Runs a Pester file through PesterLite in a fresh runspace of the hosted engine. Files run one at a
/// time: the process environment (VIRTTOOLS_ROOT) and the current directory are process-wide.
/// </summary>
public static class PesterHost
{
    private static readonly object Gate = new();
    private static readonly ConcurrentDictionary<string, Lazy<PesterFileResult>> Runs = new(StringComparer.Ordinal);

    public static TimeSpan FileTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Runs each file once per process; every It of the file reads the same result.</summary>
    public static PesterFileResult RunCached(string file) =>
        Runs.GetOrAdd(Path.GetFullPath(file), f => new Lazy<PesterFileResult>(() => Run(f))).Value;

    public static InitialSessionState NewSessionState()
    {
        var iss = InitialSessionState.CreateDefault2();
        Shims.Register(iss);
        return iss;
    }

    public static PesterFileResult Run(string file, bool discoveryOnly = false)
    {
        file = Path.GetFullPath(file);
        lock (Gate)
        {
            var env = Environment.GetEnvironmentVariables();
            var cwd = Environment.CurrentDirectory;
            try { return RunInRunspace(file, discoveryOnly); }
            catch (Exception e)
            {
                return new PesterFileResult { File = file, DiscoveryFailed = true, Failures = [new PesterFailure("Host", e.ToString())] };
            }
            finally
            {
                RestoreEnvironment(env);
                Environment.CurrentDirectory = cwd;
            }
        }
    }

    private static PesterFileResult RunInRunspace(string file, bool discoveryOnly)
    {
        var runspace = RunspaceFactory.CreateRunspace(NewSessionState());
        runspace.Open();
        runspace.SessionStateProxy.Path.SetLocation(Repo.Root);
        var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddCommand("Import-Module").AddParameter("Name", Repo.PesterLiteModule).AddParameter("ErrorAction", "Stop");
        ps.AddStatement().AddCommand("Invoke-PesterLite").AddParameter("Path", file);
        if (discoveryOnly) ps.AddParameter("DiscoveryOnly");
        var pending = ps.BeginInvoke();
        if (!pending.AsyncWaitHandle.WaitOne(FileTimeout))
        {
            // A test stuck inside a .NET call may never stop: give up on this runspace, not the process.
            var stopping = ps.BeginStop(null, null);
            if (stopping.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10))) { ps.Dispose(); runspace.Dispose(); }
            return new PesterFileResult
            {
                File = file, DiscoveryFailed = true,
                Failures = [new PesterFailure("Timeout", $"The file did not finish within {FileTimeout}.")],
            };
        }
        try
        {
            var output = ps.EndInvoke(pending);
            var result = output.LastOrDefault(o => o?.Properties["Tests"] is not null)
                ?? throw new InvalidOperationException("Invoke-PesterLite returned no result. Errors: " + string.Join("\n", ps.Streams.Error));
            return Convert(file, result);
        }
        finally
        {
            ps.Dispose();
            runspace.Dispose();
        }
    }

    private static PesterFileResult Convert(string file, PSObject result)
    {
        var tests = Items(result.Properties["Tests"].Value).Select(t => new PesterTestResult(
            Strings(t.Properties["Path"].Value),
            t.Properties["Result"].Value?.ToString() ?? "NotRun",
            t.Properties["Message"].Value?.ToString(),
            LanguagePrimitives.IsTrue(t.Properties["Skip"].Value),
            t.Properties["Duration"].Value is TimeSpan d ? d : TimeSpan.Zero)).ToList();
        var failures = Items(result.Properties["Failures"].Value).Select(f => new PesterFailure(
            f.Properties["Where"].Value?.ToString() ?? "", f.Properties["Message"].Value?.ToString() ?? "")).ToList();
        return new PesterFileResult
        {
            File = file, Tests = tests, Failures = failures,
            DiscoveryFailed = LanguagePrimitives.IsTrue(result.Properties["DiscoveryFailed"].Value),
        };
    }

    private static IEnumerable<PSObject> Items(object? value)
    {
        value = value is PSObject p ? p.BaseObject : value;
        if (value is null) yield break;
        if (value is IEnumerable e and not string)
            foreach (var o in e) { if (o is not null) yield return o as PSObject ?? PSObject.AsPSObject(o); }
        else yield return PSObject.AsPSObject(value);
    }

    private static string[] Strings(object? value)
    {
        value = value is PSObject p ? p.BaseObject : value;
        return value switch
        {
            null => [],
            string s => [s],
            IEnumerable e => e.Cast<object?>().Select(o => o?.ToString() ?? "").ToArray(),
            _ => [value.ToString() ?? ""],
        };
    }

    private static void RestoreEnvironment(IDictionary before)
    {
        var now = Environment.GetEnvironmentVariables();
        foreach (DictionaryEntry e in now)
            if (!before.Contains(e.Key)) Environment.SetEnvironmentVariable((string)e.Key, null);
        foreach (DictionaryEntry e in before)
            if (!Equals(now[e.Key], e.Value)) Environment.SetEnvironmentVariable((string)e.Key, (string?)e.Value);
    }
}
