using VirtTools.Testing;

namespace VirtTools.Help.Tests;

/// <summary>The virttools program run as a process against a synthetic sysfs tree, output redirected.</summary>
public sealed class ShellTests : IDisposable
{
    private readonly string _root;

    public ShellTests()
    {
        _root = Directory.CreateTempSubdirectory("vt-shell-").FullName;
        new SysfsTreeBuilder(Path.Combine(_root, "host"))
            .Pci("0000:00:1f.2", classCode: "010601", device: "a102", driver: "ahci", iommuGroup: 7)
            .Pci("0000:03:00.0", device: "10d3", driver: "e1000e", iommuGroup: 12)
            .Pci("0000:04:00.0", vendor: "10de", device: "1eb8", classCode: "030200", driver: "vfio-pci", iommuGroup: 13);
    }

    public void Dispose() => Directory.Delete(_root, true);

    /// <summary>The shell built for the same configuration as these tests.</summary>
    private static string ShellDll
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            var dll = Path.Combine(Fixtures.RepoRoot, "src", "VirtTools.Shell", "bin", configuration, "net10.0", "VirtTools.Shell.dll");
            Assert.True(File.Exists(dll), "the shell is not built: " + dll);
            return dll;
        }
    }

    private ProcessOutcome Shell(params string[] args) => ShellWith(null, args);

    private ProcessOutcome ShellWith(IDictionary<string, string?>? env, params string[] args) =>
        ProcessRunner.Run("dotnet", new[] { ShellDll }.Concat(args), ShellEnvironment(env));

    private ProcessOutcome ShellIn(string stdin) =>
        ProcessRunner.Run("dotnet", new[] { ShellDll, "-NoProfile" }, ShellEnvironment(null), stdin);

    private Dictionary<string, string?> ShellEnvironment(IDictionary<string, string?>? env)
    {
        var environment = new Dictionary<string, string?>
        {
            ["VIRTTOOLS_ROOT"] = Path.Combine(_root, "host"),
            ["VIRTTOOLS_MODULE"] = null,
            ["COLUMNS"] = null,
            ["NO_COLOR"] = null,
        };
        if (env is not null) foreach (var (k, v) in env) environment[k] = v;
        return environment;
    }

    private static void AssertExit(int expected, ProcessOutcome r) =>
        Assert.True(r.ExitCode == expected, $"exit code {r.ExitCode}, expected {expected}\nstdout:\n{r.StandardOutput}\nstderr:\n{r.StandardError}");

    /// <summary>The column labels of the PciDevice table view in the module's format file, in order.</summary>
    private static List<string> PciDeviceTableColumns()
    {
        var format = System.Xml.Linq.XDocument.Load(Path.Combine(Fixtures.RepoRoot, "VirtTools.Format.ps1xml"));
        var view = format.Descendants("View").First(v =>
            v.Element("TableControl") is not null &&
            v.Element("ViewSelectedBy")!.Elements().Any(e => e.Value == "VirtTools.PciDevice"));
        var headers = view.Descendants("TableColumnHeader").ToList();
        var items = view.Descendants("TableColumnItem").ToList();
        return headers.Select((h, i) => (string?)h.Element("Label") ?? (string?)items[i].Element("PropertyName") ?? "").ToList();
    }

    [Fact]
    public void Renders_the_module_table_view_without_escape_sequences()
    {
        var r = Shell("-Command", "Get-PciDevice");
        AssertExit(0, r);
        Assert.Equal("", r.StandardError);
        var lines = r.StandardOutput.Split('\n').Select(l => l.TrimEnd()).ToList();
        var columns = PciDeviceTableColumns();
        var header = lines.FindIndex(l => l.StartsWith(columns[0], StringComparison.Ordinal));
        Assert.True(header >= 0, "no table header in:\n" + r.StandardOutput);
        // The view's columns in the view's order, then the dashes line: the table view was used.
        Assert.Matches("^" + string.Join(@"\s+", columns.Select(System.Text.RegularExpressions.Regex.Escape)) + "$", lines[header]);
        Assert.StartsWith("---", lines[header + 1]);
        foreach (var (address, driver) in new[] { ("0000:00:1f.2", "ahci"), ("0000:03:00.0", "e1000e"), ("0000:04:00.0", "vfio-pci") })
            Assert.Contains(lines.Skip(header + 2), l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^{System.Text.RegularExpressions.Regex.Escape(address)}\s.*\b{System.Text.RegularExpressions.Regex.Escape(driver)}\b"));
        Assert.DoesNotContain('\u001b', r.StandardOutput);
    }

    [Fact]
    public void Pipelines_and_parameters_work_as_in_pwsh()
    {
        var r = Shell("-Command", "Get-PciDevice -Address '0000:0[34]:*' | Where-Object Driver -eq vfio-pci | ForEach-Object Address");
        AssertExit(0, r);
        Assert.Equal("0000:04:00.0", r.StandardOutput.Trim());
    }

    [Fact]
    public void A_terminating_error_goes_to_stderr_as_pwsh_prints_it_and_exits_1()
    {
        var r = Shell("-Command", "'before'; throw 'the device is gone'; 'after'");
        AssertExit(1, r);
        Assert.Contains("before", r.StandardOutput);
        Assert.DoesNotContain("after", r.StandardOutput);
        // pwsh's ConciseView: the exception type, then the message.
        Assert.Contains("Exception: the device is gone", r.StandardError);
        Assert.DoesNotContain("the device is gone", r.StandardOutput);
        Assert.DoesNotContain('\u001b', r.StandardError);
    }

    [Fact]
    public void A_failing_last_command_fails_the_exit_code_as_in_pwsh()
    {
        var r = Shell("-Command", "'first'; Get-Command No-SuchCommand");
        AssertExit(1, r);
        Assert.Contains("first", r.StandardOutput);
        Assert.Contains("Get-Command: The term 'No-SuchCommand' is not recognized", r.StandardError);
        Assert.DoesNotContain('\u001b', r.StandardError);

        // pwsh's rule, kept: a later command that succeeds makes the run succeed.
        AssertExit(0, Shell("-Command", "Get-Command No-SuchCommand; 'after'"));

        // The other error views are pwsh's too.
        var normal = Shell("-Command", "$ErrorView = 'NormalView'; Get-PciDevice -Address zz");
        AssertExit(1, normal);
        Assert.Contains("+ CategoryInfo          : InvalidArgument", normal.StandardError);
        Assert.Contains("+ FullyQualifiedErrorId : InvalidPciAddress,VirtTools.Commands.GetPciDeviceCommand", normal.StandardError);
    }

    [Fact]
    public void Unattended_a_high_impact_cmdlet_fails_at_once_without_Confirm_false_and_touches_nothing()
    {
        // Nobody at the keyboard (cron, Ansible, a runbook): the confirmation prompt must fail, never wait.
        var link = Path.Combine(_root, "host", "sys", "bus", "pci", "devices", "0000:04:00.0", "driver");
        var before = new FileInfo(link).LinkTarget;
        var refused = Shell("-NonInteractive", "-Command", "Disable-VfioDevice -Address 0000:04:00.0");
        AssertExit(1, refused);
        Assert.Contains("asks for confirmation", refused.StandardError);
        Assert.Contains("-Confirm:$false", refused.StandardError);
        Assert.Equal(before, new FileInfo(link).LinkTarget);

        var dryRun = Shell("-NonInteractive", "-Command", "Disable-VfioDevice -Address 0000:04:00.0 -Confirm:$false -WhatIf");
        AssertExit(0, dryRun);
        Assert.Contains("What if:", dryRun.StandardOutput + dryRun.StandardError);
        Assert.Equal(before, new FileInfo(link).LinkTarget);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Stdin_not_a_terminal_is_non_interactive_so_a_prompt_fails_at_once(bool stdinOpen)
    {
        // `ssh host virttools -Command ...`: stdin is an open pipe (pwsh waited on the prompt forever)
        // or at its end (pwsh printed "Object reference not set to an instance of an object").
        var link = Path.Combine(_root, "host", "sys", "bus", "pci", "devices", "0000:04:00.0", "driver");
        var before = new FileInfo(link).LinkTarget;
        var script = "try { Disable-VfioDevice -Address 0000:04:00.0 -ErrorAction Stop } " +
                     "catch { [Console]::Error.WriteLine($_.FullyQualifiedErrorId + ': ' + $_.ErrorDetails.RecommendedAction); exit 1 }";
        var r = ProcessRunner.Run("dotnet", new[] { ShellDll, "-NoProfile", "-Command", script },
            ShellEnvironment(null), timeoutSeconds: 60, keepStdinOpen: stdinOpen);
        AssertExit(1, r);
        Assert.Contains("ConfirmationRequired,VirtTools.Commands.DisableVfioDeviceCommand", r.StandardError);
        Assert.Contains("-Confirm:$false", r.StandardError);
        Assert.DoesNotContain("Object reference", r.StandardError);
        Assert.Equal(before, new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void File_exits_1_on_a_terminating_error_as_pwsh_does()
    {
        var script = Path.Combine(_root, "stop.ps1");
        File.WriteAllText(script, "$ErrorActionPreference = 'Stop'\n'before'\nGet-PciDevice -Address zz\n'after'\n");
        var r = Shell("-NonInteractive", "-File", script);
        AssertExit(1, r);
        Assert.Contains("before", r.StandardOutput);
        Assert.DoesNotContain("after", r.StandardOutput);
        Assert.Contains("Get-PciDevice", r.StandardError);
    }

    [Fact]
    public void Silenced_errors_do_not_fail_the_run()
    {
        var r = Shell("-Command", "Get-Command No-SuchCommand -ErrorAction SilentlyContinue; try { throw 'x' } catch { 'caught' }");
        AssertExit(0, r);
        Assert.Equal("", r.StandardError);
        Assert.Equal("caught", r.StandardOutput.Trim());
    }

    [Fact]
    public void Exit_passes_the_scripts_code_through()
    {
        AssertExit(3, Shell("-Command", "exit 3"));
        AssertExit(0, Shell("-Command", "exit 0"));
    }

    [Fact]
    public void Parse_errors_are_reported_and_fail()
    {
        // pwsh -Command fails a script that does not parse with exit 1 but prints nothing when
        // redirected; a script file's parse error is printed.
        AssertExit(1, Shell("-Command", "$x = 1 +"));
        var script = Path.Combine(_root, "broken.ps1");
        File.WriteAllText(script, "$x = 1 +");
        var r = Shell("-File", script);
        AssertExit(1, r);
        Assert.Contains("ParserError:", r.StandardError);
        Assert.Contains("You must provide a value expression", r.StandardError);
    }

    [Fact]
    public void File_runs_a_script_with_named_positional_and_switch_arguments()
    {
        var script = Path.Combine(_root, "assign.ps1");
        File.WriteAllText(script, """
            param([string]$Address, [switch]$DryRun, [int]$Code)
            "address=$Address dryrun=$DryRun"
            Get-PciDevice -Address $Address | ForEach-Object Driver
            if ($Code) { exit $Code }
            """);
        var named = Shell("-File", script, "-Address", "0000:03:00.0", "-DryRun");
        AssertExit(0, named);
        Assert.Equal(new[] { "address=0000:03:00.0 dryrun=True", "e1000e" }, named.StandardOutput.Trim().Split('\n').Select(l => l.Trim()));

        var positional = Shell("-File", script, "0000:04:00.0", "-Code", "5");
        AssertExit(5, positional);
        Assert.Contains("vfio-pci", positional.StandardOutput);
        // An argument that looks like script text is passed as a value, never run.
        var echo = Path.Combine(_root, "echo.ps1");
        File.WriteAllText(echo, "param($Value) \"value=$Value\"");
        var inert = Shell("-File", echo, "$(exit 9)");
        AssertExit(0, inert);
        Assert.Equal("value=$(exit 9)", inert.StandardOutput.Trim());
    }

    [Theory]
    [InlineData("-Bogus")]
    [InlineData("-Command")]
    [InlineData("-File")]
    [InlineData("/no/such/script.ps1")]
    public void Bad_arguments_exit_64_as_in_pwsh(string arg)
    {
        var r = Shell(arg);
        AssertExit(64, r);
        Assert.NotEqual("", r.StandardError.Trim());
    }

    [Fact]
    public void Help_prints_the_usage()
    {
        var r = Shell("-Help");
        AssertExit(0, r);
        Assert.Contains("virttools -Command", r.StandardOutput);
        Assert.Contains("VIRTTOOLS_MODULE", r.StandardOutput);
    }

    [Fact]
    public void Without_arguments_it_reads_commands_from_standard_input_like_pwsh()
    {
        var r = ShellIn("Get-PciDevice -Address 0000:04:00.0 | ForEach-Object { 'driver=' + $_.Driver }\nexit 7\n");
        AssertExit(7, r);
        Assert.Contains("driver=vfio-pci", r.StandardOutput);
    }

    [Fact]
    public void Without_arguments_on_a_terminal_it_is_an_interactive_prompt()
    {
        // tmux gives the shell a terminal that answers its cursor-position queries, as a person's does.
        var socket = "vt-shell-" + Guid.NewGuid().ToString("N")[..8];
        var tmux = (string[] a) => ProcessRunner.Run("tmux", new[] { "-L", socket }.Concat(a), ShellEnvironment(null), timeoutSeconds: 30);
        var marker = Path.Combine(_root, "exit-code");
        try
        {
            var start = tmux(new[] { "new-session", "-d", "-x", "80", "-y", "30",
                $"dotnet '{ShellDll}' -NoProfile; echo $? > '{marker}'" });
            AssertExit(0, start);
            var screen = WaitForScreen(tmux, s => s.Contains("PS "));
            // The banner fits 80 columns: each of its lines is whole on one screen line.
            var lines = screen.Split('\n').Select(l => l.TrimEnd()).ToList();
            Assert.Contains(lines, l => l.StartsWith("virttools ") && l.EndsWith("VirtTools is imported."));
            Assert.Contains("Start with Get-Help about_VirtTools.", lines);
            // Every exported cmdlet is there: the manifest's list, counted from the file itself.
            var manifest = File.ReadAllText(Path.Combine(Fixtures.RepoRoot, "VirtTools.psd1"));
            var exported = System.Text.RegularExpressions.Regex.Matches(manifest, @"(?m)^\s*'[A-Z][a-z]+-[A-Za-z]+'\s*$").Count;
            tmux(new[] { "send-keys", "(Get-Command -Module VirtTools).Count * 100 + 1; Get-PciDevice 0000:04:00.0 | % Driver", "Enter" });
            screen = WaitForScreen(tmux, s => s.Contains("vfio-pci"));
            Assert.Matches($@"(?m)^{exported * 100 + 1}\s*$", screen);
            tmux(new[] { "send-keys", "exit 6", "Enter" });
            for (var i = 0; i < 100 && !File.Exists(marker); i++) Thread.Sleep(200);
            Assert.Equal("6", File.ReadAllText(marker).Trim());
        }
        finally
        {
            tmux(new[] { "kill-server" });
        }
    }

    [Fact]
    public void On_a_terminal_PSReadLine_completes_cmdlet_names_with_Tab_and_recalls_history_with_Up()
    {
        // The console host without PSReadLine has neither: Tab inserted nothing, Up nothing.
        var socket = "vt-rl-" + Guid.NewGuid().ToString("N")[..8];
        // History goes to $XDG_DATA_HOME/powershell/PSReadLine: a folder of this test, not the user's.
        var env = ShellEnvironment(new Dictionary<string, string?> { ["XDG_DATA_HOME"] = Path.Combine(_root, "data") });
        var tmux = (string[] a) => ProcessRunner.Run("tmux", new[] { "-L", socket }.Concat(a), env, timeoutSeconds: 30);
        try
        {
            // In / : a short prompt, so no line it shows wraps.
            AssertExit(0, tmux(new[] { "new-session", "-d", "-x", "80", "-y", "30", "-c", "/", $"dotnet '{ShellDll}' -NoProfile" }));
            WaitForScreen(tmux, s => s.Contains("PS "));
            // A prefix only VirtTools' Get-VHSCapability has among the commands of the shell.
            tmux(new[] { "send-keys", "Get-VHSCap", "Tab" });
            WaitForScreen(tmux, s => s.Contains("Get-VHSCapability"));
            tmux(new[] { "send-keys", "C-u", "'recall-' + (6 * 7)", "Enter" });
            WaitForScreen(tmux, s => s.Contains("recall-42"));
            tmux(new[] { "send-keys", "clear", "Enter" });
            WaitForScreen(tmux, s => !s.Contains("recall-42"));
            // Up twice: past `clear` to the line before; Enter runs it again.
            tmux(new[] { "send-keys", "Up", "Up", "Enter" });
            var screen = WaitForScreen(tmux, s => s.Contains("recall-42"));
            Assert.Contains("PS ", screen);
            Assert.Contains("'recall-' + (6 * 7)", screen);
            Assert.Equal("2.4.5", PSReadLineVersionOnScreen(tmux));
        }
        finally
        {
            tmux(new[] { "kill-server" });
        }
    }

    private static string PSReadLineVersionOnScreen(Func<string[], ProcessOutcome> tmux)
    {
        tmux(new[] { "send-keys", "'rl=' + (Get-Module PSReadLine).Version", "Enter" });
        var screen = WaitForScreen(tmux, s => System.Text.RegularExpressions.Regex.IsMatch(s, @"(?m)^rl=\S*\s*$"));
        return System.Text.RegularExpressions.Regex.Match(screen, @"(?m)^rl=(\S*)\s*$").Groups[1].Value;
    }

    [Fact]
    public void With_stdin_redirected_PSReadLine_is_not_loaded()
    {
        // Piped commands are read as lines, without the line editor (which would wait on a terminal).
        var r = ShellIn("'rl=' + [bool](Get-Module PSReadLine) + ',' + [bool](Get-Module PSReadLine -ListAvailable)\n");
        AssertExit(0, r);
        Assert.Contains("rl=False,True", r.StandardOutput);
    }

    [Fact]
    public void PSReadLine_ships_beside_the_shell_with_its_licence()
    {
        var modules = Path.Combine(Path.GetDirectoryName(ShellDll)!, "Modules", "PSReadLine");
        Assert.True(File.Exists(Path.Combine(modules, "PSReadLine.psd1")), "no PSReadLine in " + modules);
        var licence = File.ReadAllText(Path.Combine(modules, "License.txt"));
        Assert.Contains("Redistribution and use in source and binary forms", licence);
    }

    private static string WaitForScreen(Func<string[], ProcessOutcome> tmux, Func<string, bool> done)
    {
        var screen = "";
        for (var i = 0; i < 150; i++)
        {
            screen = tmux(new[] { "capture-pane", "-p" }).StandardOutput;
            if (done(screen)) return screen;
            Thread.Sleep(200);
        }
        Assert.Fail("the prompt never showed what was expected; the screen:\n" + screen);
        return screen;
    }

    [Fact]
    public void VIRTTOOLS_MODULE_overrides_the_module_location()
    {
        var bad = ShellWith(new Dictionary<string, string?> { ["VIRTTOOLS_MODULE"] = Path.Combine(_root, "missing") }, "-Command", "1");
        AssertExit(1, bad);
        Assert.Contains("VIRTTOOLS_MODULE", bad.StandardError);

        var good = ShellWith(new Dictionary<string, string?> { ["VIRTTOOLS_MODULE"] = Fixtures.RepoRoot }, "-Command", "(Get-Module VirtTools).ModuleBase");
        AssertExit(0, good);
        Assert.Equal(Fixtures.RepoRoot.TrimEnd('/'), good.StandardOutput.Trim().TrimEnd('/'));
    }

    [Fact]
    public void Get_Help_renders_the_MAML_as_text()
    {
        using var module = new FixtureModule();
        var r = ShellWith(new Dictionary<string, string?> { ["VIRTTOOLS_MODULE"] = module.Manifest }, "-Command", "Get-Help Get-PciDevice -Full");
        AssertExit(0, r);
        Assert.Equal("", r.StandardError);
        var text = r.StandardOutput;
        Assert.Contains("Lists the PCI functions of the host as sysfs shows them.", text);
        Assert.Matches(@"Get-PciDevice \[\[-Address\] <String\[\]>\] \[<CommonParameters>\]", text);
        Assert.Matches(@"-Address <String\[\]>\s+The PCI address of the function", text);
        Assert.Matches(@"Accept wildcard characters\??\s+true", text);
        Assert.Contains("Example 1: List every PCI function", text);
        Assert.Contains("Get-PciDevice -Address '0000:03:00.*'", text);
        Assert.DoesNotContain('\u001b', text);
    }

    [Fact]
    public void The_built_in_commands_are_pwshs_own_and_no_stand_ins_remain()
    {
        var r = Shell("-Command", """
            (Get-Command Write-Host, Select-Object, Sort-Object, Format-Table, ConvertTo-Json, Export-Csv, Join-Path, Get-ChildItem |
                ForEach-Object { "$($_.Name)=$($_.CommandType)/$($_.Source)" }) -join ' '
            @(Get-Command -CommandType Function -Name Write-*).Count
            $csv = Join-Path ([IO.Path]::GetTempPath()) "vt-shell-$PID.csv"
            Get-PciDevice | Sort-Object Address -Descending | Select-Object -First 2 Address, Driver | Export-Csv $csv
            (Import-Csv $csv | ConvertTo-Json -Compress)
            Remove-Item $csv
            Write-Host 'to host'; Write-Warning careful
            """);
        AssertExit(0, r);
        var lines = r.StandardOutput.Trim().Split('\n').Select(l => l.Trim()).ToList();
        Assert.Equal("Write-Host=Cmdlet/Microsoft.PowerShell.Utility Select-Object=Cmdlet/Microsoft.PowerShell.Utility " +
                     "Sort-Object=Cmdlet/Microsoft.PowerShell.Utility Format-Table=Cmdlet/Microsoft.PowerShell.Utility " +
                     "ConvertTo-Json=Cmdlet/Microsoft.PowerShell.Utility Export-Csv=Cmdlet/Microsoft.PowerShell.Utility " +
                     "Join-Path=Cmdlet/Microsoft.PowerShell.Management Get-ChildItem=Cmdlet/Microsoft.PowerShell.Management", lines[0]);
        Assert.Equal("0", lines[1]);
        Assert.Equal("""[{"Address":"0000:04:00.0","Driver":"vfio-pci"},{"Address":"0000:03:00.0","Driver":"e1000e"}]""", lines[2]);
        Assert.Equal("to host", lines[3]);
        Assert.Contains("WARNING: careful", r.StandardOutput + r.StandardError);
    }

    [Fact]
    public void Output_is_plain_text_when_redirected()
    {
        var r = Shell("-Command", "$PSStyle.OutputRendering; Get-PciDevice | Format-Table; Get-VHSCapability | Format-List; Write-Error oops");
        Assert.Equal("PlainText", r.StandardOutput.Trim().Split('\n')[0].Trim());
        Assert.DoesNotContain('\u001b', r.StandardOutput);
        Assert.DoesNotContain('\u001b', r.StandardError);
        Assert.Contains("oops", r.StandardError);
    }
}
