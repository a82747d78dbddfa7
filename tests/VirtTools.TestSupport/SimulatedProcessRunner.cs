using VirtTools.Host;

namespace VirtTools.Testing;

/// <summary>Programs with scripted answers (`ip -o addr show`); anything unscripted is "not installed".</summary>
public sealed class SimulatedProcessRunner : IProcessRunner
{
    private readonly Dictionary<string, ProcessResult> _scripts = new(StringComparer.Ordinal);
    private readonly List<string> _calls = new();

    /// <summary>Every command line run, program and arguments joined by spaces.</summary>
    public IReadOnlyList<string> Calls => _calls;

    /// <summary>Scripts the answer to <paramref name="commandLine"/> ("ip -o addr show").</summary>
    public SimulatedProcessRunner Script(string commandLine, string stdout, int exitCode = 0, string stderr = "")
    {
        _scripts[commandLine] = new ProcessResult(exitCode, stdout, stderr);
        return this;
    }

    public ProcessResult Run(string program, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var line = string.Join(' ', new[] { program }.Concat(arguments));
        _calls.Add(line);
        return _scripts.TryGetValue(line, out var r) ? r : throw new HostIOException(program, Errno.ENOENT, $"{program} is not installed or not on PATH.");
    }
}
