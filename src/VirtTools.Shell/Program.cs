using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text.RegularExpressions;
using VirtTools.Shell;

return ShellProgram.Run(args, Console.Out, Console.Error);

namespace VirtTools.Shell
{
    /// <summary>
    /// virttools -Command '&lt;script&gt;' | -File script.ps1 [args] | -Help.
    /// Exit status: 64 for bad arguments; otherwise the code the script gave to <c>exit N</c> when
    /// non-zero (for -File also a failing native program's $LASTEXITCODE); else 1 when the module
    /// could not be imported, a terminating error stopped the script, or any error record was
    /// displayed (errors silenced with -ErrorAction SilentlyContinue or caught by try/catch do not
    /// count); else 0.
    /// </summary>
    public static partial class ShellProgram
    {
        public const int UsageExitCode = 64;
        public const string ModuleVariable = "VIRTTOOLS_MODULE";

        public const string Usage = """
            Usage:
              virttools -Command '<script>'        run PowerShell commands with VirtTools imported
              virttools -File <script.ps1> [args]  run a script file; args bind like pwsh -File
              virttools -Help                      show this text

            The VirtTools module is imported from the VirtTools.psd1 next to or above this program
            (set VIRTTOOLS_MODULE to a .psd1 or its folder to use another). VIRTTOOLS_ROOT points
            the cmdlets at a recorded sysfs/procfs tree instead of /.

            The embedded engine has PowerShell's core commands (Where-Object, ForEach-Object,
            Get-Command, Get-Help, ...) and Write-Host/-Output/-Warning/-Verbose/-Debug/-Error;
            Select-Object, Sort-Object and Format-* need pwsh.

            Output is formatted as pwsh formats it, without escape sequences when standard output
            is not a terminal. Errors go to standard error. Exit status: the script's `exit N`,
            else 1 if an error was displayed or the script failed, else 0; 64 for bad arguments.
            """;

        public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
        {
            string? command = null, file = null;
            var fileArgs = new List<string>();
            for (var i = 0; i < args.Length; i++)
            {
                var a = args[i];
                if (IsSwitch(a, "Help", "h", "?"))
                {
                    stdout.WriteLine(Usage);
                    return 0;
                }
                if (IsSwitch(a, "NoProfile", "nop") || IsSwitch(a, "NonInteractive", "noni")) continue;
                if (IsSwitch(a, "Command", "c") && command is null && file is null)
                {
                    if (i + 1 >= args.Length) return BadUsage(stderr, "-Command needs a script.");
                    // As in pwsh, everything after -Command is the command text.
                    command = string.Join(' ', args.Skip(i + 1));
                    break;
                }
                if (IsSwitch(a, "File", "f") && command is null && file is null)
                {
                    if (i + 1 >= args.Length) return BadUsage(stderr, "-File needs a script path.");
                    file = args[i + 1];
                    fileArgs.AddRange(args.Skip(i + 2));
                    break;
                }
                return BadUsage(stderr, $"Unknown argument '{a}'.");
            }
            if (command is null && file is null)
            {
                stdout.WriteLine(Usage);
                return 0;
            }
            if (file is not null && !File.Exists(file))
                return BadUsage(stderr, $"The script file '{file}' does not exist.");

            var manifest = FindModule(out var why);
            if (manifest is null)
            {
                stderr.WriteLine("virttools: " + why);
                return 1;
            }

            var vt = !Console.IsOutputRedirected && ReferenceEquals(stdout, Console.Out) && Environment.GetEnvironmentVariable("TERM") != "dumb"
                     && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
            return Execute(manifest, command, file, fileArgs, stdout, stderr, vt, Width());
        }

        private static bool IsSwitch(string arg, params string[] names)
        {
            if (arg.Length < 2 || arg[0] is not ('-' or '/')) return false;
            var name = arg.TrimStart('-', '/');
            return names.Any(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
        }

        private static int BadUsage(TextWriter stderr, string problem)
        {
            stderr.WriteLine("virttools: " + problem);
            stderr.WriteLine(Usage);
            return UsageExitCode;
        }

        private static int Width()
        {
            if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var c) && c > 20) return c;
            try
            {
                if (!Console.IsOutputRedirected && Console.WindowWidth > 20) return Console.WindowWidth;
            }
            catch (IOException) { }
            return 120;
        }

        /// <summary>VIRTTOOLS_MODULE (a .psd1 or its folder), else the first VirtTools.psd1 at or above the program's folder.</summary>
        public static string? FindModule(out string why)
        {
            var env = Environment.GetEnvironmentVariable(ModuleVariable);
            if (!string.IsNullOrEmpty(env))
            {
                var candidate = Directory.Exists(env) ? Path.Combine(env, "VirtTools.psd1") : env;
                why = File.Exists(candidate) ? "" : $"{ModuleVariable}={env} names no VirtTools.psd1.";
                return File.Exists(candidate) ? Path.GetFullPath(candidate) : null;
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
            why = $"cannot find VirtTools.psd1 next to or above {AppContext.BaseDirectory}; set {ModuleVariable} to the module's .psd1.";
            return null;
        }

        private static int Execute(string manifest, string? command, string? file, List<string> fileArgs,
            TextWriter stdout, TextWriter stderr, bool vt, int width)
        {
            // Process-wide, like pwsh: the formatter reads it when it decides on table header colours.
            PSStyle.Instance.OutputRendering = vt ? OutputRendering.Host : OutputRendering.PlainText;

            var host = new ShellHost(stdout, stderr, vt, width);
            using var runspace = RunspaceFactory.CreateRunspace(host, InitialSessionState.CreateDefault2());
            runspace.Open();

            var errors = 0;
            using (var import = PowerShell.Create())
            {
                import.Runspace = runspace;
                import.AddCommand("Import-Module").AddParameter("Name", manifest).AddParameter("ErrorAction", "Stop");
                try
                {
                    import.Invoke();
                    import.Commands.Clear();
                    import.AddScript(Prelude()).Invoke();
                }
                catch (RuntimeException e)
                {
                    ErrorPrinter.Print(stderr, e.ErrorRecord);
                    return 1;
                }
            }

            using var ps = PowerShell.Create();
            ps.Runspace = runspace;
            ps.Streams.Error.DataAdded += (_, e) =>
            {
                errors++;
                ErrorPrinter.Print(stderr, ps.Streams.Error[e.Index]);
            };
            if (command is not null)
            {
                ps.AddScript(command);
            }
            else
            {
                runspace.SessionStateProxy.SetVariable("__vtFile", Path.GetFullPath(file!));
                runspace.SessionStateProxy.SetVariable("__vtArgs", fileArgs.ToArray());
                runspace.SessionStateProxy.SetVariable("global:LASTEXITCODE", 0);
                ps.AddScript(FileInvocation(fileArgs));
            }
            ps.AddCommand("Out-Default");

            ConsoleCancelEventHandler cancel = (_, e) =>
            {
                e.Cancel = true;
                ps.BeginStop(null, null);
            };
            Console.CancelKeyPress += cancel;
            var terminated = false;
            try
            {
                ps.Invoke();
            }
            catch (RuntimeException e)
            {
                terminated = true;
                ErrorPrinter.Print(stderr, e.ErrorRecord);
            }
            catch (ExitException e)
            {
                host.SetShouldExit(e.Argument is int n ? n : LanguagePrimitives.ConvertTo<int>(e.Argument));
            }
            finally
            {
                Console.CancelKeyPress -= cancel;
            }
            stdout.Flush();
            stderr.Flush();

            if (host.ExitCode is int code && code != 0) return code;
            if (file is not null && runspace.SessionStateProxy.GetVariable("global:LASTEXITCODE") is int last && last != 0) return last;
            return terminated || errors > 0 ? 1 : 0;
        }

        private static string Prelude()
        {
            using var stream = typeof(ShellProgram).Assembly.GetManifestResourceStream("VirtTools.Shell.Prelude.ps1")!;
            return new StreamReader(stream).ReadToEnd();
        }

        /// <summary>
        /// `&amp; $file` followed by the arguments. Tokens shaped like -Name (or -Name:) stay literal so
        /// the binder treats them as parameter names, as pwsh -File does; every other argument is
        /// passed as a variable, never as script text.
        /// </summary>
        internal static string FileInvocation(IReadOnlyList<string> fileArgs)
        {
            var parts = new List<string> { "& $__vtFile" };
            for (var i = 0; i < fileArgs.Count; i++)
                parts.Add(ParameterToken().IsMatch(fileArgs[i]) ? fileArgs[i] : $"$__vtArgs[{i}]");
            return string.Join(' ', parts);
        }

        [GeneratedRegex(@"^-[A-Za-z_][A-Za-z0-9_]*:?$")]
        private static partial Regex ParameterToken();
    }
}
