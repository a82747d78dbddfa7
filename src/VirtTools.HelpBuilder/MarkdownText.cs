using System.Text;
using Markdig;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace VirtTools.HelpBuilder;

/// <summary>Shared Markdig plumbing: the pipeline, plain text of inlines and of text blocks.</summary>
internal static class MarkdownText
{
    public const string NewLine = "\r\n";

    public static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().Build();

    /// <summary>Parses with LF line ends so that line numbers and code text do not depend on the checkout.</summary>
    public static MarkdownDocument Parse(string markdown) => Markdown.Parse(markdown.Replace("\r\n", "\n"), Pipeline);

    /// <summary>1-based source line of a block.</summary>
    public static int LineOf(Block b) => b.Line + 1;

    /// <summary>
    /// Inline content as help text: soft breaks become spaces, hard breaks become CRLF (a new
    /// maml:para), code spans keep their backticks (PlatyPS keeps them), emphasis is dropped.
    /// </summary>
    public static string Inline(ContainerInline? container) => Inline(container, " ");

    private static string Inline(ContainerInline? container, string softBreak)
    {
        var sb = new StringBuilder();
        AppendInline(sb, container, softBreak);
        return sb.ToString();
    }

    private static void AppendInline(StringBuilder sb, ContainerInline? container, string softBreak)
    {
        if (container is null) return;
        foreach (var inline in container)
        {
            switch (inline)
            {
                case LiteralInline lit: sb.Append(lit.Content.ToString()); break;
                case CodeInline code: sb.Append('`').Append(code.Content).Append('`'); break;
                case LineBreakInline br: sb.Append(br.IsHard ? NewLine : softBreak); break;
                case AutolinkInline auto: sb.Append(auto.Url); break;
                case HtmlEntityInline entity: sb.Append(entity.Transcoded.ToString()); break;
                case HtmlInline html: sb.Append(html.Tag); break;
                case LinkInline link:
                {
                    var text = Inline(link, softBreak);
                    sb.Append(text);
                    // A reader of Get-Help cannot follow a markdown link; give them the address.
                    if (IsAbsoluteUri(link.Url) && text != link.Url) sb.Append(" (").Append(link.Url).Append(')');
                    break;
                }
                case ContainerInline c: AppendInline(sb, c, softBreak); break;
                default: sb.Append(inline.ToString()); break;
            }
        }
    }

    /// <summary>True for web-style absolute URIs; "/x" counts as a file URI in .NET on Unix, which PlatyPS on Windows never saw.</summary>
    public static bool IsAbsoluteUri(string? s) =>
        !string.IsNullOrEmpty(s) && Uri.TryCreate(s, UriKind.Absolute, out var u) && !u.IsFile && !u.IsUnc &&
        (s.Contains("://", StringComparison.Ordinal) || s.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase));

    public static string CodeText(LeafBlock code)
    {
        var lines = new List<string>();
        foreach (var line in code.Lines.Lines.Take(code.Lines.Count)) lines.Add(line.Slice.ToString());
        return string.Join(NewLine, lines);
    }

    public static bool IsYaml(Block b) => b is FencedCodeBlock f && string.Equals(f.Info?.Trim(), "yaml", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Text of a run of paragraphs, lists and code blocks, one CRLF-separated line per maml:para.
    /// Anything else (headings, quotes, tables, HTML) is a schema error, as in PlatyPS.
    /// </summary>
    public static string TextOf(IEnumerable<Block> blocks, string file, string where)
    {
        var lines = new List<string>();
        foreach (var b in blocks) AppendBlock(lines, b, file, where, "");
        return string.Join(NewLine, lines);
    }

    private static void AppendBlock(List<string> lines, Block b, string file, string where, string indent)
    {
        switch (b)
        {
            case ParagraphBlock p when PipeTableRows(p) is { } rows:
                // Rows stay rows: joined into one para a table would be unreadable in Get-Help.
                foreach (var row in rows) lines.Add(indent + row.Trim());
                break;
            case ParagraphBlock p:
                foreach (var l in Inline(p.Inline).Split(NewLine)) lines.Add(indent + l.Trim());
                break;
            case QuoteBlock quote:
                // "> **Note**" call-outs: the text matters, the quoting does not.
                foreach (var child in quote) AppendBlock(lines, child, file, where, indent);
                break;
            case ListBlock list:
            {
                var n = int.TryParse(list.OrderedStart, out var start) ? start : 1;
                foreach (var item in list.OfType<ListItemBlock>())
                {
                    var bullet = list.IsOrdered ? $"{n++}. " : "- ";
                    var itemLines = new List<string>();
                    foreach (var child in item) AppendBlock(itemLines, child, file, where, "");
                    for (var i = 0; i < itemLines.Count; i++)
                        lines.Add(indent + (i == 0 ? bullet : new string(' ', bullet.Length)) + itemLines[i]);
                }
                break;
            }
            case CodeBlock code:
                foreach (var l in CodeText(code).Split(NewLine)) lines.Add(indent + l);
                break;
            case HeadingBlock h:
                throw new HelpSchemaException(file, LineOf(h), $"Expect Paragraph in {where}, got heading '{Inline(h.Inline)}' (level {h.Level})");
            default:
                throw new HelpSchemaException(file, LineOf(b), $"Unsupported markdown ({b.GetType().Name}) in {where}: use paragraphs, lists and code blocks");
        }
    }

    private static string[]? PipeTableRows(ParagraphBlock p)
    {
        var rows = Inline(p.Inline, "\n").Split('\n');
        return rows.Length > 1 && rows.All(r => r.TrimStart().StartsWith('|')) ? rows : null;
    }

    public static string? FrontMatterText(MarkdownDocument doc) =>
        doc.FirstOrDefault() is YamlFrontMatterBlock y
            ? string.Join("\n", y.Lines.Lines.Take(y.Lines.Count).Select(l => l.Slice.ToString()))
            : null;
}
