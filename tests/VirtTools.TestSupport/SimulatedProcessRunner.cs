using VirtTools.Host;

namespace VirtTools.Testing;

/// <summary>Programs with scripted answers (`ip -o addr show`); anything unscripted is "not installed".</summary>
public sealed class SimulatedProcessRunner : IProcessRunner
{
    private readonly Dictionary<string, Func<ProcessResult>> _scripts = new(StringComparer.Ordinal);
    private readonly List<string> _calls = new();

    /// <summary>Every command line run, program and arguments joined by spaces.</summary>
    public IReadOnlyList<string> Calls => _calls;

    /// <summary>Scripts the answer to <paramref name="commandLine"/> ("ip -o addr show").</summary>
    public SimulatedProcessRunner Script(string commandLine, string stdout, int exitCode = 0, string stderr = "")
    {
        var r = new ProcessResult(exitCode, stdout, stderr);
        _scripts[commandLine] = () => r;
        return this;
    }

    /// <summary>Scripts a program that acts when run (writes a generated file, then answers).</summary>
    public SimulatedProcessRunner Script(string commandLine, Func<ProcessResult> run)
    {
        _scripts[commandLine] = run;
        return this;
    }

    public ProcessResult Run(string program, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var line = string.Join(' ', new[] { program }.Concat(arguments));
        _calls.Add(line);
        return _scripts.TryGetValue(line, out var r) ? r() : throw new HostIOException(program, Errno.ENOENT, $"{program} is not installed or not on PATH.");
    }
}
