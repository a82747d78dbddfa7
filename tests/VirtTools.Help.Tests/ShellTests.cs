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

    private ProcessOutcome ShellWith(IDictionary<string, string?>? env, params string[] args)
    {
        var environment = new Dictionary<string, string?>
        {
            ["VIRTTOOLS_ROOT"] = Path.Combine(_root, "host"),
            ["VIRTTOOLS_MODULE"] = null,
            ["COLUMNS"] = null,
            ["NO_COLOR"] = null,
        };
        if (env is not null) foreach (var (k, v) in env) environment[k] = v;
        return ProcessRunner.Run("dotnet", new[] { ShellDll }.Concat(args), environment);
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
    public void A_terminating_error_goes_to_stderr_with_category_and_id_and_exits_1()
    {
        var r = Shell("-Command", "'before'; throw 'the device is gone'; 'after'");
        AssertExit(1, r);
        Assert.Contains("before", r.StandardOutput);
        Assert.DoesNotContain("after", r.StandardOutput);
        Assert.Contains("the device is gone", r.StandardError);
        Assert.Contains("+ CategoryInfo          : OperationStopped", r.StandardError);
        Assert.Contains("+ FullyQualifiedErrorId : the device is gone", r.StandardError);
        Assert.DoesNotContain("the device is gone", r.StandardOutput);
    }

    [Fact]
    public void A_non_terminating_error_lets_the_script_finish_but_fails_the_exit_code()
    {
        var r = Shell("-Command", "Get-Command No-SuchCommand; 'after'");
        AssertExit(1, r);
        Assert.Contains("after", r.StandardOutput);
        Assert.Contains("Get-Command: ", r.StandardError);
        Assert.Contains("+ FullyQualifiedErrorId : CommandNotFoundException,Microsoft.PowerShell.Commands.GetCommandCommand", r.StandardError);
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
        var r = Shell("-Command", "$x = 1 +");
        AssertExit(1, r);
        Assert.Contains("You must provide a value expression", r.StandardError);
        Assert.Contains("+ FullyQualifiedErrorId : ExpectedValueExpression", r.StandardError);
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
    public void Bad_arguments_exit_64_with_usage_on_stderr(string arg)
    {
        var r = Shell(arg);
        AssertExit(64, r);
        Assert.Contains("Usage:", r.StandardError);
        Assert.Equal("", r.StandardOutput);
    }

    [Fact]
    public void Missing_script_file_is_a_usage_error()
    {
        var r = Shell("-File", Path.Combine(_root, "nope.ps1"));
        AssertExit(64, r);
        Assert.Contains("does not exist", r.StandardError);
    }

    [Fact]
    public void No_arguments_print_usage()
    {
        var r = Shell();
        AssertExit(0, r);
        Assert.Contains("virttools -Command", r.StandardOutput);
        Assert.Contains("VIRTTOOLS_MODULE", r.StandardOutput);
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
    public void Write_commands_work_although_the_engine_lacks_the_Utility_module()
    {
        var r = Shell("-Command", "Write-Host 'to host' 1; Write-Output a b; Write-Warning careful; Write-Verbose quiet; Write-Verbose loud -Verbose; 'end'");
        AssertExit(0, r);
        Assert.Equal(new[] { "to host 1", "a", "b", "end" }, r.StandardOutput.Trim().Split('\n').Select(l => l.Trim()));
        Assert.Equal(new[] { "WARNING: careful", "VERBOSE: loud" }, r.StandardError.Trim().Split('\n').Select(l => l.Trim()));

        var error = Shell("-Command", "Write-Error -Message 'no such device' -Category ObjectNotFound -ErrorId DeviceGone; 'after'");
        AssertExit(1, error);
        Assert.Contains("after", error.StandardOutput);
        Assert.Contains("no such device", error.StandardError);
        Assert.Contains("+ CategoryInfo          : ObjectNotFound", error.StandardError);
        Assert.Contains("+ FullyQualifiedErrorId : DeviceGone", error.StandardError);
    }

    [Fact]
    public void Host_reports_no_virtual_terminal_when_redirected()
    {
        var r = Shell("-Command", "$Host.UI.SupportsVirtualTerminal; $Host.Name; $PSStyle.OutputRendering");
        Assert.Equal(new[] { "False", "virttools", "PlainText" }, r.StandardOutput.Trim().Split('\n').Select(l => l.Trim()));
    }
}
