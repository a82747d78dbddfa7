using System.Diagnostics;

namespace VirtTools.Host;

public sealed class SystemProcessRunner : IProcessRunner
{
    public ProcessResult Run(string program, IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new HostIOException(program, Errno.ENOENT);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new HostIOException(program, Errno.ENOENT, $"{program} is not installed or not on PATH.", e);
        }
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeout))
            {
                try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                throw new HostIOException(program, Errno.ETIMEDOUT, $"{program} did not finish within {timeout.TotalSeconds:0} s.");
            }
            return new ProcessResult(p.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
