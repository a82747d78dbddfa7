using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Microsoft.PowerShell;
using VirtTools.Shell;

return ShellProgram.Run(args);

namespace VirtTools.Shell
{
    /// <summary>
    /// virttools is pwsh's own console host (Microsoft.PowerShell.ConsoleShell from the SDK) started
    /// with the VirtTools module imported, so every pwsh parameter (-Command, -File, -NoProfile,
    /// -NonInteractive, -OutputFormat, -sshs ...), the interactive prompt, error views and exit codes
    /// are pwsh's. The only additions: the module, and plain text when standard output or standard
    /// error is not a terminal.
    /// </summary>
    public static class ShellProgram
    {
        public const string ModuleVariable = "VIRTTOOLS_MODULE";

        public const string Usage = """
            Usage:
              virttools                             interactive prompt with VirtTools imported
              virttools -Command '<script>'         run PowerShell commands with VirtTools imported
              virttools -File <script.ps1> [args]   run a script file; args bind as with pwsh -File
              virttools -Help                       show this text

            virttools is PowerShell 7.6 (pwsh's console host and every built-in command) with the
            VirtTools module imported at start. Every pwsh parameter works as in pwsh (-NoProfile,
            -NonInteractive, -NoExit, -OutputFormat, -sshs for an SSH remoting subsystem ...), and so
            do exit codes: -Command exits 1 when the script threw or its last command failed,
            `exit N` gives N.

            The module is the VirtTools.psd1 in Modules/VirtTools beside this program, or next to or
            above it (a clone); set VIRTTOOLS_MODULE to a .psd1 or its folder to use another.
            VIRTTOOLS_ROOT points the cmdlets at a recorded sysfs/procfs tree instead of /.
            Output and errors are plain text (no escape sequences) when not written to a terminal.
            With standard input not a terminal (ssh host virttools -Command ..., cron) it runs as
            -NonInteractive: a cmdlet that would ask for confirmation fails with ConfirmationRequired;
            add -Confirm:$false.
            """;

        public static int Run(string[] args)
        {
            if (args.Length > 0 && IsSwitch(args[0], "Help", "h", "?"))
            {
                Console.Out.WriteLine(Usage);
                return 0;
            }

            var manifest = FindModule(out var why);
            if (manifest is null)
            {
                Console.Error.WriteLine("virttools: " + why);
                return 1;
            }

            // pwsh styles error records even when stderr is a file; a log or a pipe should get text.
            if (Console.IsOutputRedirected || Console.IsErrorRedirected)
                PSStyle.Instance.OutputRendering = OutputRendering.PlainText;

            var iss = InitialSessionState.CreateDefault2();
            iss.ImportPSModule(manifest);
            return ConsoleShell.Start(iss, Banner(), Usage, Unattended(args, Console.IsInputRedirected));
        }

        /// <summary>
        /// With standard input not a terminal (`ssh host virttools -Command ...`, cron, a pipe) nobody can
        /// answer a confirmation prompt: pwsh would wait on it forever (stdin an open pipe) or fail with a
        /// NullReferenceException (stdin at its end). Such runs get -NonInteractive, so a High-impact
        /// cmdlet fails at once with ConfirmationRequired and says to add -Confirm:$false. Not for the
        /// remoting server modes (their stdin is the protocol) nor when -Interactive is asked for.
        /// </summary>
        public static string[] Unattended(string[] args, bool stdinRedirected)
        {
            if (!stdinRedirected) return args;
            foreach (var a in args)
            {
                // Parameters come before -Command/-File's own text; what follows those is not ours to read.
                if (IsSwitch(a, "Command", "c", "File", "f", "EncodedCommand", "e", "ec")) break;
                if (IsSwitch(a, "NonInteractive", "noni", "Interactive", "i", "sshs", "SSHServerMode", "s", "ServerMode",
                        "SocketServerMode", "NamedPipeServerMode"))
                    return args;
            }
            return ["-NonInteractive", .. args];
        }

        private static string Banner()
        {
            var version = typeof(ShellProgram).Assembly.GetName().Version ?? new Version(0, 0);
            // Two short lines: one long line wrapped on an 80-column terminal.
            return $"virttools {version.ToString(3)} on PowerShell {PSVersionInfo()}: VirtTools is imported."
                + Environment.NewLine + "Start with Get-Help about_VirtTools.";
        }

        // The assembly version stops at 7.6.0; the informational one is "7.6.9 SHA: ...".
        private static string PSVersionInfo() =>
            (typeof(PSObject).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
                .FirstOrDefault() as System.Reflection.AssemblyInformationalVersionAttribute)?.InformationalVersion.Split(' ')[0] ?? "7";

        private static bool IsSwitch(string arg, params string[] names)
        {
            if (arg.Length < 2 || arg[0] is not ('-' or '/')) return false;
            var name = arg.TrimStart('-', '/');
            return names.Any(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
        }

        /// <summary>
        /// VIRTTOOLS_MODULE (a .psd1 or its folder), else Modules/VirtTools/VirtTools.psd1 beside the
        /// program (the tarball), else the first VirtTools.psd1 at or above the program's folder (a clone).
        /// </summary>
        public static string? FindModule(out string why)
        {
            var env = Environment.GetEnvironmentVariable(ModuleVariable);
            if (!string.IsNullOrEmpty(env))
            {
                var candidate = Directory.Exists(env) ? Path.Combine(env, "VirtTools.psd1") : env;
                why = File.Exists(candidate) ? "" : $"{ModuleVariable}={env} names no VirtTools.psd1.";
                return File.Exists(candidate) ? Path.GetFullPath(candidate) : null;
            }
            var bundled = Path.Combine(AppContext.BaseDirectory, "Modules", "VirtTools", "VirtTools.psd1");
            if (File.Exists(bundled))
            {
                why = "";
                return bundled;
            }
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, "VirtTools.psd1");
                if (File.Exists(candidate))
                {
                    why = "";
                    return candidate;
                }
            }
            why = $"cannot find VirtTools.psd1 beside or above {AppContext.BaseDirectory}; set {ModuleVariable} to the module's .psd1.";
            return null;
        }
    }
}
