using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace VirtTools.HelpBuilder;

/// <summary>
/// Writes MAML in the element order and with the value rules of PlatyPS 0.14's MamlRenderer, so
/// Get-Help reads it exactly as it reads New-ExternalHelp output. Output is byte-stable: LF line
/// ends, two-space indent, UTF-8 without BOM, no timestamps.
/// </summary>
public static class MamlWriter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
    private static readonly XNamespace MSHelp = "http://msdn.microsoft.com/mshelp";

    private const string SwitchParameter = "SwitchParameter";

    public static string Write(IEnumerable<CommandHelp> commands)
    {
        var doc = new XDocument(
            new XDeclaration("1.0", "utf-8", null),
            new XElement(Msh + "helpItems", new XAttribute("schema", "maml"), commands.Select(CommandElement)));
        var settings = new XmlWriterSettings
        {
            Indent = true,
            IndentChars = "  ",
            NewLineChars = "\n",
            NewLineHandling = NewLineHandling.Replace,
            Encoding = new UTF8Encoding(false),
            NamespaceHandling = NamespaceHandling.OmitDuplicates,
        };
        using var ms = new MemoryStream();
        using (var w = XmlWriter.Create(ms, settings)) doc.Save(w);
        return new UTF8Encoding(false).GetString(ms.ToArray()) + "\n";
    }

    private static XElement CommandElement(CommandHelp c)
    {
        var verb = c.Name.Split('-')[0];
        var noun = c.Name[Math.Min(verb.Length + 1, c.Name.Length)..];
        return new XElement(Command + "command",
            new XAttribute(XNamespace.Xmlns + "maml", Maml),
            new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev),
            new XAttribute(XNamespace.Xmlns + "MSHelp", MSHelp),
            new XElement(Command + "details",
                new XElement(Command + "name", c.Name),
                new XElement(Command + "verb", verb),
                new XElement(Command + "noun", noun),
                new XElement(Maml + "description", Paragraphs(c.Synopsis))),
            new XElement(Maml + "description", Paragraphs(c.Description)),
            new XElement(Command + "syntax", c.Syntax.Select(s =>
                new XElement(Command + "syntaxItem",
                    new XElement(Maml + "name", c.Name),
                    s.Parameters.Select(p => Parameter(p, inSyntax: true))))),
            new XElement(Command + "parameters", c.Parameters.Select(p => Parameter(p, inSyntax: false))),
            new XElement(Command + "inputTypes", c.Inputs.Select(t => TypeEntry("inputType", t))),
            new XElement(Command + "returnValues", c.Outputs.Select(t => TypeEntry("returnValue", t))),
            new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paragraphs(c.Notes))),
            new XElement(Command + "examples", c.Examples.Select(e =>
                new XElement(Command + "example",
                    new XElement(Maml + "title", PadExampleTitle(e.Title)),
                    new XElement(Dev + "code", e.Code),
                    new XElement(Dev + "remarks", Paragraphs(e.Remarks))))),
            new XElement(Command + "relatedLinks", c.Links.Select(l =>
                new XElement(Maml + "navigationLink",
                    new XElement(Maml + "linkText", l.Text),
                    new XElement(Maml + "uri", l.Uri)))));
    }

    /// <summary>The MAML type name: yaml "switch" is written SwitchParameter; a missing type is empty.</summary>
    public static string MamlType(ParameterHelp p) =>
        p.Type is null ? "" : p.Type.Equals("switch", StringComparison.OrdinalIgnoreCase) ? SwitchParameter : p.Type;

    private static XElement Parameter(ParameterHelp p, bool inSyntax)
    {
        var type = MamlType(p);
        var isSwitch = p.IsSwitch;
        return new XElement(Command + "parameter",
            new XAttribute("required", Bool(p.Required)),
            new XAttribute("variableLength", "true"),
            new XAttribute("globbing", Bool(p.Globbing)),
            new XAttribute("pipelineInput", p.PipelineInput),
            new XAttribute("position", p.Position.ToLowerInvariant()),
            new XAttribute("aliases", p.Aliases.Count > 0 ? string.Join(", ", p.Aliases) : "none"),
            new XElement(Maml + "name", p.Name),
            new XElement(Maml + "Description", Paragraphs(p.Description)),
            inSyntax && p.AcceptedValues.Count > 0
                ? new XElement(Command + "parameterValueGroup", p.AcceptedValues.Select(v =>
                    new XElement(Command + "parameterValue",
                        new XAttribute("required", "false"),
                        new XAttribute(Command + "variableLength", "false"),
                        v)))
                : null,
            // In syntax a switch shows no value placeholder ("[-Force]", not "[-Force <SwitchParameter>]").
            !inSyntax || !isSwitch
                ? new XElement(Command + "parameterValue",
                    new XAttribute("required", Bool(!isSwitch)),
                    new XAttribute("variableLength", "false"),
                    type)
                : null,
            new XElement(Dev + "type",
                new XElement(Maml + "name", type),
                new XElement(Maml + "uri")),
            new XElement(Dev + "defaultValue",
                isSwitch && (string.IsNullOrEmpty(p.DefaultValue) || p.DefaultValue == "None") ? "False" : p.DefaultValue ?? "None"));
    }

    private static XElement TypeEntry(string element, TypeHelp t) =>
        new(Command + element,
            new XElement(Dev + "type", new XElement(Maml + "name", t.TypeName)),
            new XElement(Maml + "description", Paragraphs(t.Description)));

    private static string Bool(bool b) => b ? "true" : "false";

    /// <summary>
    /// One maml:para per CRLF-separated line, blank lines dropped; an empty para after a list so
    /// Get-Help keeps the list apart from the text that follows (PlatyPS does the same).
    /// </summary>
    public static IEnumerable<XElement> Paragraphs(string? text)
    {
        if (string.IsNullOrEmpty(text)) yield break;
        var lines = text.Split(MarkdownText.NewLine, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < lines.Length; i++)
        {
            if (i > 0 && HasListPrefix(lines[i - 1]) && !HasListPrefix(lines[i]))
                yield return new XElement(Maml + "para", "");
            yield return new XElement(Maml + "para", lines[i]);
        }
    }

    private static bool HasListPrefix(string s) => s.StartsWith("- ", StringComparison.Ordinal) || s.StartsWith("* ", StringComparison.Ordinal) || s.StartsWith("--", StringComparison.Ordinal);

    /// <summary>Titles under 62 characters get one space each side and '-' padding on both sides (to about 64).</summary>
    public static string PadExampleTitle(string title)
    {
        if (string.IsNullOrWhiteSpace(title) || title.Length >= 62) return title;
        var pad = new string('-', (64 - title.Length - 2) / 2);
        return pad + " " + title + " " + pad;
    }
}
