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

    private readonly List<Func<string, IReadOnlyList<string>, ProcessResult?>> _programs = new();

    /// <summary>A program that answers any arguments (null: not handled); exact scripts win over it.</summary>
    public SimulatedProcessRunner Program(Func<string, IReadOnlyList<string>, ProcessResult?> run)
    {
        _programs.Add(run);
        return this;
    }

    public ProcessResult Run(string program, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var line = string.Join(' ', new[] { program }.Concat(arguments));
        _calls.Add(line);
        if (_scripts.TryGetValue(line, out var r)) return r();
        foreach (var p in _programs)
            if (p(program, arguments) is ProcessResult pr) return pr;
        throw new HostIOException(program, Errno.ENOENT, $"{program} is not installed or not on PATH.");
    }
}
