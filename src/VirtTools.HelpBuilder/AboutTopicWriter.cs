using System.Text;
using Markdig.Syntax;
using static VirtTools.HelpBuilder.MarkdownText;

namespace VirtTools.HelpBuilder;

/// <summary>
/// Renders a PlatyPS about topic (about_Name.md) as the about_Name.help.txt layout PlatyPS's
/// TextRenderer writes: TOPIC, the indented lower-case topic name, upper-case H1 sections, text
/// indented by four spaces and wrapped at <see cref="MaxWidth"/> columns, code indented verbatim.
/// </summary>
public static class AboutTopicWriter
{
    public const int MaxWidth = 80;
    private const string Indent = "    ";

    public static string ConvertFile(string path) => Convert(File.ReadAllText(path), Path.GetFileName(path));

    public static string Convert(string markdown, string file)
    {
        var doc = MarkdownText.Parse(markdown);
        var blocks = doc.Where(b => b is not Markdig.Extensions.Yaml.YamlFrontMatterBlock).ToList();
        if (blocks.Count < 2 || blocks[0] is not HeadingBlock { Level: 1 } || blocks[1] is not HeadingBlock { Level: 2 } second
            || !Inline(second.Inline).Trim().StartsWith("about", StringComparison.OrdinalIgnoreCase))
            throw new HelpSchemaException(file, blocks.Count > 0 ? LineOf(blocks[0]) : 1,
                "An about topic starts with '# Title' and then '## about_Name'");

        var sb = new StringBuilder();
        for (var i = 0; i < blocks.Count; i++)
        {
            switch (blocks[i])
            {
                case HeadingBlock h:
                {
                    var text = Inline(h.Inline).Trim();
                    if (i == 0) sb.Append("TOPIC\n");
                    else if (i == 1) sb.Append(Indent).Append(text.ToLowerInvariant()).Append("\n\n");
                    else if (h.Level == 1) sb.Append(text.ToUpperInvariant()).Append('\n');
                    else if (h.Level == 2) sb.Append(text).Append('\n');
                    else sb.Append(Indent).Append(text.ToUpperInvariant()).Append('\n');
                    break;
                }
                case ParagraphBlock p:
                    foreach (var line in Inline(p.Inline).Split(NewLine)) Wrap(sb, line.Trim());
                    sb.Append('\n');
                    break;
                case CodeBlock code:
                    foreach (var line in CodeText(code).Split(NewLine)) sb.Append((Indent + line).TrimEnd()).Append('\n');
                    sb.Append('\n');
                    break;
                default:
                    throw new HelpSchemaException(file, LineOf(blocks[i]),
                        $"About topics can only have headings, paragraphs and code blocks, not {blocks[i].GetType().Name}");
            }
        }
        return Normalize(sb.ToString().TrimEnd('\n') + "\n");
    }

    /// <summary>Greedy word wrap so that no line (indent included) passes <see cref="MaxWidth"/>, unless one word is longer.</summary>
    private static void Wrap(StringBuilder sb, string text)
    {
        var line = new StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > MaxWidth - Indent.Length)
            {
                sb.Append(Indent).Append(line).Append('\n');
                line.Clear();
            }
            if (line.Length > 0) line.Append(' ');
            line.Append(word);
        }
        if (line.Length > 0) sb.Append(Indent).Append(line).Append('\n');
    }

    // PlatyPS folds typographic quotes and dashes to ASCII so the topic reads the same on every console.
    private static string Normalize(string s) => s
        .Replace('\u2018', '\'').Replace('\u2019', '\'').Replace('\u201b', '\'')
        .Replace('\u201c', '"').Replace('\u201d', '"').Replace('\u201e', '"').Replace('\u201f', '"')
        .Replace('\u2010', '-').Replace('\u2011', '-').Replace('\u2012', '-').Replace('\u2013', '-')
        .Replace('\u2014', '-').Replace('\u2015', '-').Replace('\u2212', '-').Replace('\u00a0', ' ');
}
