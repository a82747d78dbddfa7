using VirtTools.HelpBuilder;
using VirtTools.Testing;

namespace VirtTools.Help.Tests;

public class AboutTopicTests
{
    private const string Topic = """
        # Thing

        ## about_Thing

        # SHORT DESCRIPTION
        Short text.

        # LONG DESCRIPTION
        A long paragraph that goes on and on, well past the eighty columns of a classic terminal, so that it has to be wrapped by the converter.

        ## A subtopic

        ```powershell
        Get-Thing -Name 'a value that is long enough to pass eighty columns when indented by four'
        ```
        """;

    [Fact]
    public void Renders_the_PlatyPS_about_layout()
    {
        var text = AboutTopicWriter.Convert(Topic, "about_Thing.md");
        var lines = text.Split('\n');
        Assert.Equal("TOPIC", lines[0]);
        Assert.Equal("    about_thing", lines[1]);
        Assert.Equal("", lines[2]);
        Assert.Equal("SHORT DESCRIPTION", lines[3]);
        Assert.Equal("    Short text.", lines[4]);
        Assert.Contains("LONG DESCRIPTION", lines);
        Assert.Contains("A subtopic", lines);
        // Prose wraps at 80 columns with a four-space indent; code is left as written.
        Assert.All(lines.Where(l => !l.Contains("Get-Thing")), l => Assert.True(l.Length <= 80, $"too long: {l}"));
        Assert.Contains(lines, l => l == "    Get-Thing -Name 'a value that is long enough to pass eighty columns when indented by four'");
        var prose = lines.Where(l => l.StartsWith("    A long", StringComparison.Ordinal) || l.StartsWith("    columns", StringComparison.Ordinal) || l.Contains("wrapped")).ToList();
        Assert.True(prose.Count >= 2, "the long paragraph was not wrapped");
        Assert.EndsWith("\n", text);
        Assert.DoesNotContain("\r", text);
    }

    [Fact]
    public void Lists_and_a_wrong_second_heading_are_rejected()
    {
        var list = Topic + "\n\n- not allowed\n";
        Assert.Contains("can only have headings, paragraphs and code blocks",
            Assert.Throws<HelpSchemaException>(() => AboutTopicWriter.Convert(list, "about_Thing.md")).Message);
        Assert.Throws<HelpSchemaException>(() => AboutTopicWriter.Convert(Topic.Replace("## about_Thing", "## Thing"), "about_Thing.md"));
    }

    [Fact]
    public void The_shipped_about_VirtTools_fits_80_columns_and_names_every_cmdlet()
    {
        var text = AboutTopicWriter.ConvertFile(Path.Combine(Fixtures.RepoRoot, "docs", "about_VirtTools.md"));
        foreach (var line in text.Split('\n')) Assert.True(line.Length <= AboutTopicWriter.MaxWidth, $"too long: {line}");
        foreach (var cmdlet in new[] { "Get-PciDevice", "Get-IommuGroup", "Get-VHSCapability", "Test-VHSRequirement", "Enable-VfioDevice", "Disable-VfioDevice", "VIRTTOOLS_ROOT" })
            Assert.Contains(cmdlet, text);
    }
}
