using System.Xml.Linq;
using VirtTools.HelpBuilder;

namespace VirtTools.Help.Tests;

public class ConverterTests
{
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private const string Front = """
        ---
        external help file: VirtTools.dll-Help.xml
        Module Name: VirtTools
        online version: https://example.org/help/Test-Thing
        schema: 2.0.0
        ---

        """;

    private static string Param(string name, string yaml, string description = "Some parameter.") =>
        $"### -{name}\n{description}\n\n```yaml\n{yaml}\n```\n\n";

    private static string Page(string parameters, string extra = "") => Front + $$"""
        # Test-Thing

        ## SYNOPSIS
        Tests a thing.

        ## SYNTAX

        ### ByName (Default)
        ```
        Test-Thing [-Name] <String> [<CommonParameters>]
        ```

        ## DESCRIPTION
        First paragraph
        continues here.

        Second paragraph.

        ## EXAMPLES

        ### Example 1: Short
        ```powershell
        Test-Thing -Name a
        ```

        ```powershell
        Test-Thing -Name b
        ```

        It tests a and b.

        ### Example 2: A title that is long enough to be exactly sixty-two chars
        ```powershell
        Test-Thing
        ```

        ## PARAMETERS

        {{parameters}}### CommonParameters
        This cmdlet supports the common parameters.

        ## INPUTS

        ### System.String
        A name.

        ## OUTPUTS

        ### System.Boolean
        True or false.

        ## NOTES
        A note.

        ## RELATED LINKS

        [Get-PciDevice](Get-PciDevice.md)

        [Kernel docs](https://www.kernel.org/doc/html/latest/driver-api/vfio.html)

        Plain text line that is not a link.
        {{extra}}
        """;

    private const string NameYaml = """
        Type: String
        Parameter Sets: ByName
        Aliases: N, Nom

        Required: True
        Position: 0
        Default value: None
        Accept pipeline input: True (ByPropertyName)
        Accept wildcard characters: True
        """;

    private const string IdYaml = """
        Type: Int32
        Parameter Sets: ById
        Aliases:

        Required: True
        Position: Named
        Default value: None
        Accept pipeline input: False
        Accept wildcard characters: False
        """;

    private const string ForceYaml = """
        Type: SwitchParameter
        Parameter Sets: (All)
        Aliases:

        Required: False
        Position: Named
        Default value: None
        Accept pipeline input: False
        Accept wildcard characters: False
        """;

    private const string ModeYaml = """
        Type: String
        Parameter Sets: (All)
        Aliases:
        Accepted values: Fast, Slow

        Required: False
        Position: 1
        Default value: Fast
        Accept pipeline input: False
        Accept wildcard characters: False
        """;

    private static readonly string StandardParameters =
        Param("Name", NameYaml) + Param("Id", IdYaml) + Param("Force", ForceYaml) + Param("Mode", ModeYaml);

    private static XElement CommandXml(string markdown, string file = "Test-Thing.md")
    {
        var help = CommandMarkdownParser.Parse(markdown, file);
        var xml = XDocument.Parse(MamlWriter.Write(new[] { help }));
        return xml.Root!.Element(Command + "command")!;
    }

    private static XElement ParameterIn(XElement parent, string name) =>
        parent.Elements(Command + "parameter").Single(p => (string?)p.Element(Maml + "name") == name);

    [Fact]
    public void Command_children_come_in_PlatyPS_order()
    {
        var cmd = CommandXml(Page(StandardParameters));
        var order = cmd.Elements().Select(e => e.Name.LocalName).ToArray();
        Assert.Equal(new[] { "details", "description", "syntax", "parameters", "inputTypes", "returnValues", "alertSet", "examples", "relatedLinks" }, order);
        var details = cmd.Element(Command + "details")!;
        Assert.Equal(new[] { "name", "verb", "noun", "description" }, details.Elements().Select(e => e.Name.LocalName).ToArray());
        Assert.Equal("Test", (string?)details.Element(Command + "verb"));
        Assert.Equal("Thing", (string?)details.Element(Command + "noun"));
        var param = ParameterIn(cmd.Element(Command + "parameters")!, "Name");
        Assert.Equal(new[] { "name", "Description", "parameterValue", "type", "defaultValue" }, param.Elements().Select(e => e.Name.LocalName).ToArray());
        var example = cmd.Element(Command + "examples")!.Elements().First();
        Assert.Equal(new[] { "title", "code", "remarks" }, example.Elements().Select(e => e.Name.LocalName).ToArray());
        Assert.Equal(new[] { "command:parameter required", "variableLength", "globbing", "pipelineInput", "position", "aliases" },
            new[] { "command:parameter required" }.Concat(param.Attributes().Skip(1).Select(a => a.Name.LocalName)).ToArray());
    }

    [Fact]
    public void Paragraphs_split_per_paragraph_and_soft_breaks_join()
    {
        var cmd = CommandXml(Page(StandardParameters));
        var paras = cmd.Element(Maml + "description")!.Elements(Maml + "para").Select(p => p.Value).ToArray();
        Assert.Equal(new[] { "First paragraph continues here.", "Second paragraph." }, paras);
        Assert.Equal("Tests a thing.", cmd.Element(Command + "details")!.Element(Maml + "description")!.Value);
        Assert.Equal("A note.", cmd.Element(Maml + "alertSet")!.Element(Maml + "alert")!.Value);
    }

    [Fact]
    public void Parameter_attribute_values_follow_PlatyPS_rules()
    {
        var parameters = CommandXml(Page(StandardParameters)).Element(Command + "parameters")!;
        var name = ParameterIn(parameters, "Name");
        Assert.Equal("true", (string?)name.Attribute("required"));
        Assert.Equal("true", (string?)name.Attribute("variableLength"));
        Assert.Equal("true", (string?)name.Attribute("globbing"));
        Assert.Equal("True (ByPropertyName)", (string?)name.Attribute("pipelineInput"));
        Assert.Equal("0", (string?)name.Attribute("position"));
        Assert.Equal("N, Nom", (string?)name.Attribute("aliases"));
        Assert.Equal("None", (string?)name.Element(Dev + "defaultValue"));
        Assert.Equal("String", (string?)name.Element(Dev + "type")!.Element(Maml + "name"));
        Assert.Equal("", (string?)name.Element(Dev + "type")!.Element(Maml + "uri"));
        var value = name.Element(Command + "parameterValue")!;
        Assert.Equal(("true", "false", "String"), ((string?)value.Attribute("required"), (string?)value.Attribute("variableLength"), value.Value));

        var id = ParameterIn(parameters, "Id");
        Assert.Equal("named", (string?)id.Attribute("position"));   // "Named" lower-cased
        Assert.Equal("none", (string?)id.Attribute("aliases"));
        Assert.Equal("false", (string?)id.Attribute("globbing"));
        Assert.Equal("False", (string?)id.Attribute("pipelineInput"));

        var force = ParameterIn(parameters, "Force");
        Assert.Equal("False", (string?)force.Element(Dev + "defaultValue"));   // switch: None -> False
        Assert.Equal("false", (string?)force.Element(Command + "parameterValue")!.Attribute("required"));
        Assert.Equal("SwitchParameter", force.Element(Command + "parameterValue")!.Value);

        var mode = ParameterIn(parameters, "Mode");
        Assert.Equal("Fast", (string?)mode.Element(Dev + "defaultValue"));
        Assert.Null(mode.Element(Command + "parameterValueGroup"));   // accepted values only in syntax
    }

    [Fact]
    public void Missing_yaml_keys_take_PlatyPS_defaults()
    {
        var cmd = CommandXml(Page(Param("Name", "Type: switch")));
        var p = ParameterIn(cmd.Element(Command + "parameters")!, "Name");
        Assert.Equal(("false", "named", "false", "false", "none"),
            ((string?)p.Attribute("required"), (string?)p.Attribute("position"), (string?)p.Attribute("pipelineInput"),
             (string?)p.Attribute("globbing"), (string?)p.Attribute("aliases")));
        Assert.Equal("SwitchParameter", (string?)p.Element(Dev + "type")!.Element(Maml + "name"));
        Assert.Equal("False", (string?)p.Element(Dev + "defaultValue"));
        // No Parameter Sets key means (All): one syntax item holding it.
        var items = cmd.Element(Command + "syntax")!.Elements(Command + "syntaxItem").ToList();
        Assert.Single(items);
        Assert.Equal("Name", items[0].Element(Command + "parameter")!.Element(Maml + "name")!.Value);
    }

    [Fact]
    public void Syntax_is_rebuilt_per_parameter_set_from_the_yaml()
    {
        var syntax = CommandXml(Page(StandardParameters)).Element(Command + "syntax")!;
        var items = syntax.Elements(Command + "syntaxItem").ToList();
        Assert.Equal(2, items.Count);   // ByName, ById; (All) joins both and is no item of its own
        string[] Names(XElement item) => item.Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value).ToArray();
        Assert.Equal("Test-Thing", items[0].Element(Maml + "name")!.Value);
        // Sorted by position text: 0, 1, then named (document order among equals).
        Assert.Equal(new[] { "Name", "Mode", "Force" }, Names(items[0]));
        Assert.Equal(new[] { "Mode", "Id", "Force" }, Names(items[1]));

        var force = ParameterIn(items[0], "Force");
        Assert.Null(force.Element(Command + "parameterValue"));   // a switch shows no value in syntax
        var group = ParameterIn(items[0], "Mode").Element(Command + "parameterValueGroup")!;
        var values = group.Elements(Command + "parameterValue").ToList();
        Assert.Equal(new[] { "Fast", "Slow" }, values.Select(v => v.Value).ToArray());
        Assert.Equal("false", (string?)values[0].Attribute("required"));
        Assert.Equal("false", (string?)values[0].Attribute(Command + "variableLength"));
    }

    [Fact]
    public void Position_sorts_as_text_so_10_comes_before_2()
    {
        var yaml = (string pos) => $"Type: String\nParameter Sets: (All)\nPosition: {pos}";
        var cmd = CommandXml(Page(Param("B", yaml("2")) + Param("A", yaml("10")) + Param("C", yaml("Named")) + Param("D", yaml("0"))));
        var item = cmd.Element(Command + "syntax")!.Element(Command + "syntaxItem")!;
        Assert.Equal(new[] { "D", "A", "B", "C" }, item.Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value).ToArray());
        // The parameters section keeps document order.
        Assert.Equal(new[] { "B", "A", "C", "D" },
            cmd.Element(Command + "parameters")!.Elements().Select(p => p.Element(Maml + "name")!.Value).ToArray());
    }

    [Fact]
    public void Several_yaml_blocks_give_per_set_metadata_and_the_first_wins_in_parameters()
    {
        var twoBlocks = "### -Path\nThe path.\n\n```yaml\nType: String\nParameter Sets: A\nPosition: 0\nRequired: True\n```\n\n```yaml\nType: String\nParameter Sets: B\nPosition: Named\n```\n\n";
        var cmd = CommandXml(Page(twoBlocks));
        var items = cmd.Element(Command + "syntax")!.Elements(Command + "syntaxItem").ToList();
        Assert.Equal(2, items.Count);
        Assert.Equal("true", (string?)ParameterIn(items[0], "Path").Attribute("required"));
        Assert.Equal("named", (string?)ParameterIn(items[1], "Path").Attribute("position"));
        var p = ParameterIn(cmd.Element(Command + "parameters")!, "Path");
        Assert.Equal("0", (string?)p.Attribute("position"));
    }

    [Fact]
    public void No_parameters_still_gives_one_empty_syntax_item()
    {
        var cmd = CommandXml(Page(""));
        var item = Assert.Single(cmd.Element(Command + "syntax")!.Elements(Command + "syntaxItem"));
        Assert.Empty(item.Elements(Command + "parameter"));
        Assert.Empty(cmd.Element(Command + "parameters")!.Elements());
    }

    [Fact]
    public void Examples_are_padded_and_code_blocks_joined()
    {
        var help = CommandMarkdownParser.Parse(Page(StandardParameters), "Test-Thing.md");
        Assert.Equal("Test-Thing -Name a\r\n\r\nTest-Thing -Name b", help.Examples[0].Code);
        var cmd = CommandXml(Page(StandardParameters));
        var titles = cmd.Element(Command + "examples")!.Elements().Select(e => e.Element(Maml + "title")!.Value).ToList();
        Assert.Equal(new string('-', 23) + " Example 1: Short " + new string('-', 23), titles[0]);
        // 62 characters or more: left alone.
        Assert.Equal("Example 2: A title that is long enough to be exactly sixty-two chars", titles[1]);
        Assert.Equal("It tests a and b.", cmd.Element(Command + "examples")!.Elements().First().Element(Dev + "remarks")!.Value);
        Assert.Equal(" " + new string('x', 61) + " ", MamlWriter.PadExampleTitle(new string('x', 61)));
        Assert.Equal(new string('x', 62), MamlWriter.PadExampleTitle(new string('x', 62)));
    }

    [Fact]
    public void Related_links_start_with_the_online_version_and_drop_relative_uris_and_plain_text()
    {
        var links = CommandXml(Page(StandardParameters)).Element(Command + "relatedLinks")!.Elements(Maml + "navigationLink")
            .Select(l => (l.Element(Maml + "linkText")!.Value, l.Element(Maml + "uri")!.Value)).ToList();
        Assert.Equal(new[]
        {
            ("Online Version:", "https://example.org/help/Test-Thing"),
            ("Get-PciDevice", ""),
            ("Kernel docs", "https://www.kernel.org/doc/html/latest/driver-api/vfio.html"),
        }, links);
    }

    [Fact]
    public void Empty_online_version_adds_no_link()
    {
        var md = Page(StandardParameters).Replace("online version: https://example.org/help/Test-Thing", "online version:");
        var first = CommandXml(md).Element(Command + "relatedLinks")!.Elements().First();
        Assert.Equal("Get-PciDevice", first.Element(Maml + "linkText")!.Value);
    }

    [Fact]
    public void Inputs_outputs_and_lists_render_as_PlatyPS_does()
    {
        var md = Page(StandardParameters).Replace("Second paragraph.", "Second paragraph:\n\n- one\n- two\n\nAfter the list.");
        var cmd = CommandXml(md);
        Assert.Equal(new[] { "First paragraph continues here.", "Second paragraph:", "- one", "- two", "", "After the list." },
            cmd.Element(Maml + "description")!.Elements().Select(p => p.Value).ToArray());
        var input = cmd.Element(Command + "inputTypes")!.Element(Command + "inputType")!;
        Assert.Equal("System.String", input.Element(Dev + "type")!.Element(Maml + "name")!.Value);
        Assert.Equal("A name.", input.Element(Maml + "description")!.Value);
        Assert.Equal("System.Boolean", cmd.Element(Command + "returnValues")!.Element(Command + "returnValue")!.Element(Dev + "type")!.Value);
    }

    [Fact]
    public void Tables_keep_their_rows_and_quotes_their_text()
    {
        var md = Page(StandardParameters).Replace("A note.", "A note.\n\n| Property | Meaning |\n|---|---|\n| Driver | bound driver |\n\n> **Note**\n> Needs root.");
        var notes = CommandXml(md).Element(Maml + "alertSet")!.Element(Maml + "alert")!.Elements().Select(p => p.Value).ToArray();
        Assert.Equal(new[] { "A note.", "| Property | Meaning |", "|---|---|", "| Driver | bound driver |", "Note Needs root." }, notes);
    }

    [Fact]
    public void Output_is_deterministic_and_uses_the_msh_root()
    {
        var a = MamlWriter.Write(new[] { CommandMarkdownParser.Parse(Page(StandardParameters), "Test-Thing.md") });
        var b = MamlWriter.Write(new[] { CommandMarkdownParser.Parse(Page(StandardParameters).Replace("\n", "\r\n"), "Test-Thing.md") });
        Assert.Equal(a, b);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<helpItems schema=\"maml\" xmlns=\"http://msh\">\n  <command:command xmlns:maml=", a);
        Assert.DoesNotContain("\r", a);
    }

    [Theory]
    [InlineData("## FOO\nbar\n", "Unexpected header name FOO")]
    [InlineData("## Synopsis\nagain\n", "Duplicate section Synopsis")]
    public void Unknown_or_repeated_sections_fail_with_file_and_line(string extra, string message)
    {
        var md = Page(StandardParameters, extra);
        var e = Assert.Throws<HelpSchemaException>(() => CommandMarkdownParser.Parse(md, "Test-Thing.md"));
        Assert.Equal("Test-Thing.md", e.File);
        Assert.Contains(message, e.Message);
        var expectedLine = md.Replace("\r\n", "\n").Split('\n').ToList().FindIndex(l => l.StartsWith(extra.Split('\n')[0], StringComparison.Ordinal)) + 1;
        Assert.Equal(expectedLine, e.Line);
        Assert.StartsWith($"Test-Thing.md:{expectedLine}: ", e.Message);
    }

    [Fact]
    public void Unknown_yaml_key_fails_with_its_line()
    {
        var md = Page(Param("Name", "Type: String\nParameter Sets: (All)\nMandatory: True"));
        var e = Assert.Throws<HelpSchemaException>(() => CommandMarkdownParser.Parse(md, "Test-Thing.md"));
        Assert.Contains("Invalid yaml: unknown key Mandatory", e.Message);
        Assert.Equal(md.Split('\n').ToList().FindIndex(l => l == "Mandatory: True") + 1, e.Line);
    }

    [Theory]
    [InlineData("Type: String\n- item", "expected simple key-value pairs")]
    [InlineData("Type: String\nType: Int32", "duplicate key Type")]
    [InlineData("Type: String\n  Nested: x", "expected simple key-value pairs")]
    public void Yaml_outside_the_simple_subset_fails(string yaml, string message)
    {
        var e = Assert.Throws<HelpSchemaException>(() => CommandMarkdownParser.Parse(Page(Param("Name", yaml)), "Test-Thing.md"));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void All_ten_PlatyPS_keys_are_accepted_case_insensitively()
    {
        var yaml = "type: String\nparameter sets: (All)\naliases: X\naccepted values: A, B\nrequired: true\nposition: 3\ndefault value: A\naccept pipeline input: False\naccept wildcard characters: false\napplicable: VirtTools";
        var help = CommandMarkdownParser.Parse(Page(Param("Name", yaml)), "Test-Thing.md");
        var p = Assert.Single(help.Parameters);
        Assert.True(p.Required);
        Assert.Equal("3", p.Position);
        Assert.Equal(new[] { "A", "B" }, p.AcceptedValues);
    }

    [Fact]
    public void Structure_errors_are_reported()
    {
        Assert.Contains("No YAML front matter", Assert.Throws<HelpSchemaException>(() =>
            CommandMarkdownParser.Parse("# Test-Thing\n\n## SYNOPSIS\nx\n", "Test-Thing.md")).Message);
        Assert.Contains("does not match the file name", Assert.Throws<HelpSchemaException>(() =>
            CommandMarkdownParser.Parse(Page(""), "Get-Other.md")).Message);
        Assert.Contains("has no ```yaml metadata block", Assert.Throws<HelpSchemaException>(() =>
            CommandMarkdownParser.Parse(Page("### -Name\nNo yaml here.\n\n"), "Test-Thing.md")).Message);
        Assert.Contains("Expect Heading level 3", Assert.Throws<HelpSchemaException>(() =>
            CommandMarkdownParser.Parse(Page("#### -Name\nx\n\n"), "Test-Thing.md")).Message);
        Assert.Contains("Unsupported schema", Assert.Throws<HelpSchemaException>(() =>
            CommandMarkdownParser.Parse(Page("").Replace("schema: 2.0.0", "schema: 1.0.0"), "Test-Thing.md")).Message);
        Assert.Contains("has no code block", Assert.Throws<HelpSchemaException>(() =>
            CommandMarkdownParser.Parse(Page("").Replace("```powershell\nTest-Thing\n```", "Just words."), "Test-Thing.md")).Message);
    }

    [Fact]
    public void Syntax_code_blocks_are_ignored()
    {
        var md = Page(StandardParameters).Replace("Test-Thing [-Name] <String> [<CommonParameters>]", "Test-Thing -Bogus <Nonsense>");
        var a = MamlWriter.Write(new[] { CommandMarkdownParser.Parse(md, "Test-Thing.md") });
        var b = MamlWriter.Write(new[] { CommandMarkdownParser.Parse(Page(StandardParameters), "Test-Thing.md") });
        Assert.Equal(b, a);
        Assert.DoesNotContain("Bogus", a);
    }
}
