using System.Management.Automation;
using VirtTools.HelpBuilder;
using VirtTools.Testing;

namespace VirtTools.Help.Tests;

/// <summary>Get-Help in a hosted engine reads the MAML the builder wrote (see <see cref="FixtureModule"/>).</summary>
public sealed class GetHelpTests : IDisposable
{
    private readonly FixtureModule _module = new();

    public void Dispose() => _module.Dispose();

    private static string Synopsis(string docsFile) => CommandMarkdownParser.ParseFile(docsFile).Synopsis;

    [Fact]
    public void Get_Help_Full_shows_synopsis_parameters_and_examples_from_the_MAML()
    {
        using var engine = new Engine(_module.Manifest);
        var docs = CommandMarkdownParser.ParseFile(Path.Combine(FixtureModule.DocsDir, "Get-PciDevice.md"));
        var help = engine.Invoke("Get-Help Get-PciDevice -Full").Single();

        Assert.Equal(docs.Synopsis, help.Properties["Synopsis"].Value?.ToString()?.Trim());
        var parameters = engine.Invoke("(Get-Help Get-PciDevice -Full).parameters.parameter");
        Assert.Equal(docs.Parameters.Select(p => p.Name), parameters.Select(p => p.Properties["name"].Value?.ToString()));
        var address = parameters.Single();
        Assert.Equal("true", address.Properties["globbing"].Value?.ToString());
        Assert.Equal("0", address.Properties["position"].Value?.ToString());
        var description = engine.Invoke("(Get-Help Get-PciDevice -Full).parameters.parameter[0].description.Text").Single().ToString();
        Assert.StartsWith("The PCI address of the function", description);

        var examples = engine.Invoke("(Get-Help Get-PciDevice -Full).examples.example");
        Assert.Equal(docs.Examples.Count, examples.Count);
        Assert.Equal(docs.Examples.Select(e => e.Code), examples.Select(e => e.Properties["code"].Value?.ToString()));
        Assert.Contains("Example 1: List every PCI function", examples[0].Properties["title"].Value?.ToString());
        var links = engine.Invoke("(Get-Help Get-PciDevice -Full).relatedLinks.navigationLink.uri");
        Assert.Equal("https://github.com/virttools/virttools/blob/main/docs/Get-PciDevice.md", links[0].ToString());
    }

    [Fact]
    public void Get_Help_about_VirtTools_reads_the_topic_beside_the_module()
    {
        using var engine = new Engine(_module.Manifest);
        var text = string.Join("\n", engine.Invoke("Get-Help about_VirtTools").Select(o => o.ToString()));
        Assert.Contains("about_virttools", text);
        Assert.Contains("VIRTTOOLS_ROOT", text);
    }

    [Fact]
    public void Repo_root_module_serves_help_for_every_exported_cmdlet_and_the_about_topic()
    {
        // Until docs/<cmdlet>.md exists for each cmdlet (the lead merges them), this lists which
        // cmdlets still get PowerShell's auto-generated stub instead of the MAML.
        using var engine = new Engine();
        var problems = new List<string>();
        foreach (var (name, _) in engine.ExportedCmdlets())
        {
            var docs = Path.Combine(Fixtures.RepoRoot, "docs", name + ".md");
            if (!File.Exists(docs))
            {
                problems.Add($"{name}: no docs/{name}.md, so Get-Help shows the auto-generated stub");
                continue;
            }
            var help = engine.Invoke("Get-Help -Name $args[0] -Full", name).Single();
            if (help.Properties["Synopsis"].Value?.ToString()?.Trim() != Synopsis(docs).Trim())
                problems.Add($"{name}: Get-Help does not show the synopsis of docs/{name}.md (is en-US/VirtTools.dll-Help.xml built?)");
            var examples = engine.Invoke("@((Get-Help -Name $args[0] -Full).examples.example).Count", name).Single();
            if (Convert.ToInt32(examples.BaseObject) == 0) problems.Add($"{name}: Get-Help shows no examples");
            // A cmdlet without parameters yields one null here, not an empty list.
            var shown = engine.Invoke("(Get-Help -Name $args[0] -Full).parameters.parameter | ForEach-Object name", name)
                .Where(o => o is not null).Select(o => o.ToString()).ToList();
            foreach (var p in CommandMarkdownParser.ParseFile(docs).Parameters.Where(p => !shown.Contains(p.Name, StringComparer.OrdinalIgnoreCase)))
                problems.Add($"{name}: Get-Help does not show the documented parameter -{p.Name}");
        }
        var about = string.Join("\n", engine.Invoke("Get-Help about_VirtTools").Select(o => o.ToString()));
        if (!about.Contains("VIRTTOOLS_ROOT", StringComparison.Ordinal)) problems.Add("Get-Help about_VirtTools does not show the topic");
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
