using System.Management.Automation.Language;

namespace VirtTools.Acceptance;

public class PesterSubsetTests
{
    public static TheoryData<string> AcceptanceFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Repo.Combine("tests", "Pester"), "*.Tests.ps1", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(Repo.Root, f));
        return data;
    }

    [Theory]
    [MemberData(nameof(AcceptanceFiles))]
    public void Acceptance_file_stays_within_the_subset(string file) =>
        Assert.True(PesterSubset.Check(Repo.Combine(file)) is { Count: 0 } findings, string.Join("\n", PesterSubset.Check(Repo.Combine(file))));

    [Fact]
    public void Flags_what_is_outside_the_subset_and_nothing_else()
    {
        var findings = PesterSubset.Check(Path.Combine(Repo.TestData, "subset", "Bad.Tests.ps1"));
        string[] expected = ["Mock", "Get-Content", "Get-ChildItem", "Select-Object", "InModuleScope", "Test-Path", "-BeGreaterThan", "-BeLike", "Set-ItResult"];
        foreach (var e in expected)
            Assert.True(findings.Any(f => f.Contains(" " + e + " ")), $"{e} not flagged in:\n{string.Join("\n", findings)}");
        Assert.Equal(expected.Length, findings.Count);
        Assert.Contains(findings, f => f.Contains("Mock is a Pester command outside the subset"));
        Assert.Contains(findings, f => f.Contains("Select-Object is not available in the hosted engine"));
        Assert.Contains(findings, f => f.StartsWith("Bad.Tests.ps1:11: Should -BeGreaterThan is outside the Pester subset"));
    }

    [Fact]
    public void The_runner_samples_use_the_subset_except_one_deliberate_operator()
    {
        foreach (var f in new[] { "ForEach.Tests.ps1", "Scoping.Tests.ps1", "Teardown.Tests.ps1", "DiscoveryError.Tests.ps1" })
            Assert.Empty(PesterSubset.Check(Path.Combine(Repo.TestData, f)));
        var outcomes = PesterSubset.Check(Path.Combine(Repo.TestData, "Outcomes.Tests.ps1"));
        Assert.Contains("Should -BeGreaterThan", Assert.Single(outcomes));
    }

    [Theory]
    [InlineData("build.ps1")]
    [InlineData("tests/PesterLite/PesterLite.psm1")]
    public void Script_parses(string file)
    {
        Parser.ParseFile(Repo.Combine(file), out _, out var errors);
        Assert.Empty(errors.Select(e => $"{e.Extent.StartLineNumber}: {e.Message}"));
    }

    [Fact]
    public void Every_Should_operator_of_the_subset_is_a_parameter_of_PesterLite_Should()
    {
        var ast = Parser.ParseFile(Repo.PesterLiteModule, out _, out _);
        var should = (FunctionDefinitionAst)ast.Find(a => a is FunctionDefinitionAst { Name: "Should" }, true)!;
        var parameters = should.Body.ParamBlock.Parameters.Select(p => p.Name.VariablePath.UserPath).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.Subset(parameters, PesterSubset.Commands["Should"].ToHashSet(StringComparer.OrdinalIgnoreCase));
    }
}
