namespace VirtTools.Host;

/// <summary>Runs an external program (modprobe, ip, virsh). A seam so tests can script the answers.</summary>
public interface IProcessRunner
{
    /// <summary>Runs the program and waits; throws <see cref="HostIOException"/> (ENOENT) when it is not installed.</summary>
    ProcessResult Run(string program, IReadOnlyList<string> arguments, TimeSpan timeout);
}

public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);
