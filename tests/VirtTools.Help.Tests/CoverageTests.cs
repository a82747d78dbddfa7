using VirtTools.Testing;

namespace VirtTools.Help.Tests;

public class CoverageTests
{
    private static string TestDocs => Path.Combine(AppContext.BaseDirectory, "TestDocs");

    [Fact]
    public void Every_exported_cmdlet_and_parameter_is_documented_in_docs()
    {
        using var engine = new Engine();
        var cmdlets = engine.ExportedCmdlets();
        Assert.NotEmpty(cmdlets);
        var problems = DocCoverage.Check(cmdlets, Path.Combine(Fixtures.RepoRoot, "docs"));
        Assert.True(problems.Count == 0, "Help coverage gaps:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Complete_docs_pass()
    {
        var problems = DocCoverage.Check(new[] { ("Get-PciDevice", (IReadOnlyList<string>)new[] { "Address" }) }, TestDocs);
        Assert.Empty(problems);
    }

    [Fact]
    public void Gaps_are_named_one_by_one()
    {
        var cmdlets = new[]
        {
            ("Get-PciDevice", (IReadOnlyList<string>)new[] { "Address", "Driver" }),
            ("Get-IommuGroup", (IReadOnlyList<string>)new[] { "Number" }),
        };
        var problems = DocCoverage.Check(cmdlets, TestDocs);
        Assert.Equal(new[]
        {
            "Get-PciDevice: parameter -Driver is not documented in docs/Get-PciDevice.md",
            "Get-IommuGroup: docs/Get-IommuGroup.md is missing (parameters to document: -Number)",
        }, problems);
    }

    [Fact]
    public void Docs_for_parameters_or_cmdlets_that_do_not_exist_fail()
    {
        var none = DocCoverage.Check(new[] { ("Get-PciDevice", (IReadOnlyList<string>)Array.Empty<string>()) }, TestDocs);
        Assert.Equal(new[] { "Get-PciDevice: docs/Get-PciDevice.md documents -Address, which the cmdlet does not have" }, none);

        var orphan = DocCoverage.Check(Array.Empty<(string, IReadOnlyList<string>)>(), TestDocs);
        Assert.Equal(new[] { "docs/Get-PciDevice.md documents Get-PciDevice, which the module does not export" }, orphan);
    }

    [Fact]
    public void Front_matter_must_aim_at_the_module_help_file()
    {
        var dir = Directory.CreateTempSubdirectory("vt-cov-").FullName;
        try
        {
            var md = File.ReadAllText(Path.Combine(TestDocs, "Get-PciDevice.md"))
                .Replace("external help file: VirtTools.dll-Help.xml", "external help file: VirtTools.Core.dll-Help.xml")
                .Replace("Module Name: VirtTools", "Module Name: Other");
            File.WriteAllText(Path.Combine(dir, "Get-PciDevice.md"), md);
            var problems = DocCoverage.Check(new[] { ("Get-PciDevice", (IReadOnlyList<string>)new[] { "Address" }) }, dir);
            Assert.Equal(new[]
            {
                "Get-PciDevice: docs/Get-PciDevice.md has 'external help file: VirtTools.Core.dll-Help.xml', expected VirtTools.dll-Help.xml",
                "Get-PciDevice: docs/Get-PciDevice.md has 'Module Name: Other', expected VirtTools",
            }, problems);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Parameters_are_read_from_the_live_cmdlet_without_common_ones()
    {
        using var engine = new Engine();
        var get = engine.ExportedCmdlets().Single(c => c.Name == "Get-PciDevice");
        Assert.Contains("Address", get.Parameters);
        Assert.DoesNotContain("Verbose", get.Parameters);
        Assert.DoesNotContain("ProgressAction", get.Parameters);
    }
}
