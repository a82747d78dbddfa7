using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using static VirtTools.HelpBuilder.MarkdownText;

namespace VirtTools.HelpBuilder;

/// <summary>
/// Reads a PlatyPS 0.14 cmdlet page (schema 2.0.0) into a <see cref="CommandHelp"/>, following
/// PlatyPS's ModelTransformerVersion2 grammar: H1 command, H2 sections, H3 entries.
/// </summary>
public static class CommandMarkdownParser
{
    public static readonly IReadOnlyList<string> SectionNames = new[]
    {
        "SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS",
    };

    private const string AllSets = "(All)";

    public static CommandHelp ParseFile(string path) => Parse(File.ReadAllText(path), Path.GetFileName(path));

    /// <param name="file">Name used in error messages (and checked against the H1 when it ends in .md).</param>
    public static CommandHelp Parse(string markdown, string file)
    {
        var doc = MarkdownText.Parse(markdown);
        var blocks = doc.ToList();
        var i = 0;

        if (blocks.FirstOrDefault() is not YamlFrontMatterBlock fmBlock)
            throw new HelpSchemaException(file, 1,
                "No YAML front matter: PlatyPS would read this file with the old 1.0.0 grammar, which is not supported; add the schema 2.0.0 front matter");
        var front = ParseFrontMatter(fmBlock, file);
        i++;

        if (i >= blocks.Count || blocks[i] is not HeadingBlock { Level: 1 } h1)
            throw new HelpSchemaException(file, i < blocks.Count ? LineOf(blocks[i]) : 1, "Expect Heading: the command name as '# Verb-Noun'");
        var name = Inline(h1.Inline).Trim();
        if (file.EndsWith(".md", StringComparison.OrdinalIgnoreCase) && !string.Equals(Path.GetFileNameWithoutExtension(file), name, StringComparison.Ordinal))
            throw new HelpSchemaException(file, LineOf(h1), $"The command heading '# {name}' does not match the file name");
        i++;

        var command = new CommandHelp
        {
            Name = name,
            SourceFile = file,
            ExternalHelpFile = front.GetValueOrDefault("external help file"),
            ModuleName = front.GetValueOrDefault("Module Name"),
            OnlineVersion = front.GetValueOrDefault("online version"),
        };

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var yamlSets = new List<(ParameterHelp First, List<ParameterHelp> PerBlock)>();
        while (i < blocks.Count)
        {
            if (blocks[i] is not HeadingBlock { Level: 2 } h2)
            {
                var what = blocks[i] is HeadingBlock hb ? $"heading level {hb.Level}" : blocks[i].GetType().Name;
                throw new HelpSchemaException(file, LineOf(blocks[i]), $"Expect Heading level 2 (a section such as '## SYNOPSIS'), got {what}");
            }
            var section = Inline(h2.Inline).Trim();
            var key = section.ToUpperInvariant();
            if (!SectionNames.Contains(key))
                throw new HelpSchemaException(file, LineOf(h2), "Unexpected header name " + section);
            if (!seen.Add(key))
                throw new HelpSchemaException(file, LineOf(h2), "Duplicate section " + section);
            var body = new List<Block>();
            for (i++; i < blocks.Count && blocks[i] is not HeadingBlock { Level: <= 2 }; i++) body.Add(blocks[i]);

            switch (key)
            {
                case "SYNOPSIS": command.Synopsis = TextOf(body, file, section); break;
                case "DESCRIPTION": command.Description = TextOf(body, file, section); break;
                case "NOTES": command.Notes = TextOf(body, file, section); break;
                case "SYNTAX": CheckSyntax(body, file); break;
                case "EXAMPLES": ParseExamples(command, body, file); break;
                case "PARAMETERS": ParseParameters(command, body, file, yamlSets); break;
                case "INPUTS": ParseTypes(command.Inputs, body, file, section); break;
                case "OUTPUTS": ParseTypes(command.Outputs, body, file, section); break;
                case "RELATED LINKS": ParseLinks(command, body, file); break;
            }
        }

        GatherSyntax(command, yamlSets);
        if (!string.IsNullOrWhiteSpace(command.OnlineVersion))
            command.Links.Insert(0, new LinkHelp("Online Version:", IsAbsoluteUri(command.OnlineVersion) ? command.OnlineVersion! : ""));
        return command;
    }

    private static Dictionary<string, string?> ParseFrontMatter(YamlFrontMatterBlock block, string file)
    {
        var lines = block.Lines.Lines.Take(block.Lines.Count).Select(l => l.Slice.ToString())
            .Where(l => l.Trim() is not ("---" or "...")).ToList();
        var raw = SimpleYaml.Parse(string.Join("\n", lines), file, LineOf(block) + 1);
        var front = raw.ToDictionary(p => p.Key, p => p.Value is null ? null : SimpleYaml.Unquote(p.Value), StringComparer.OrdinalIgnoreCase);
        if (front.TryGetValue("schema", out var schema) && schema != "2.0.0")
            throw new HelpSchemaException(file, LineOf(block) + 1, $"Unsupported schema '{schema}': only PlatyPS schema 2.0.0 is supported");
        return front;
    }

    // PlatyPS ignores the SYNTAX code blocks (the syntax is rebuilt from the parameters) but still
    // insists on its shape: optional '### SetName' headings, each followed by one code block.
    private static void CheckSyntax(List<Block> body, string file)
    {
        foreach (var b in body)
        {
            if (b is HeadingBlock { Level: 3 } or CodeBlock) continue;
            throw new HelpSchemaException(file, LineOf(b), "SYNTAX holds only '### ParameterSetName' headings and code blocks");
        }
    }

    /// <summary>Splits a section body at its H3 headings; content before the first H3 is an error.</summary>
    private static List<(HeadingBlock Heading, List<Block> Body)> Entries(List<Block> body, string file, string section, string expect)
    {
        var entries = new List<(HeadingBlock, List<Block>)>();
        foreach (var b in body)
        {
            if (b is HeadingBlock h)
            {
                if (h.Level != 3)
                    throw new HelpSchemaException(file, LineOf(h), $"Expect Heading level 3 ({expect}) in {section}, got level {h.Level}");
                entries.Add((h, new List<Block>()));
            }
            else if (entries.Count == 0)
                throw new HelpSchemaException(file, LineOf(b), $"Expect Heading level 3 ({expect}) at the start of {section}");
            else
                entries[^1].Item2.Add(b);
        }
        return entries;
    }

    private static void ParseExamples(CommandHelp command, List<Block> body, string file)
    {
        foreach (var (heading, blocks) in Entries(body, file, "EXAMPLES", "### Example 1: Title"))
        {
            var title = Inline(heading.Inline).Trim();
            var code = blocks.OfType<CodeBlock>().Select(CodeText).ToList();
            if (code.Count == 0)
                throw new HelpSchemaException(file, LineOf(heading), $"Example '{title}' has no code block");
            var remarks = TextOf(blocks.Where(b => b is not CodeBlock), file, "example " + title);
            command.Examples.Add(new ExampleHelp(title, string.Join(NewLine + NewLine, code), remarks));
        }
    }

    private static void ParseTypes(List<TypeHelp> into, List<Block> body, string file, string section)
    {
        foreach (var (heading, blocks) in Entries(body, file, section, "a type name"))
            into.Add(new TypeHelp(Inline(heading.Inline).Trim(), TextOf(blocks, file, section)));
    }

    private static void ParseLinks(CommandHelp command, List<Block> body, string file)
    {
        foreach (var b in body)
        {
            IEnumerable<ParagraphBlock> paragraphs = b switch
            {
                ParagraphBlock p => new[] { p },
                ListBlock l => l.Descendants<ParagraphBlock>(),
                _ => throw new HelpSchemaException(file, LineOf(b), "RELATED LINKS holds only paragraphs of [text](uri) links"),
            };
            // Plain-text lines are dropped, as PlatyPS drops "simplified" text links.
            foreach (var link in paragraphs.SelectMany(p => p.Inline?.Descendants<Markdig.Syntax.Inlines.LinkInline>() ?? Enumerable.Empty<Markdig.Syntax.Inlines.LinkInline>()))
            {
                if (link.IsImage) continue;
                var text = Inline(link).Trim();
                command.Links.Add(new LinkHelp(text, IsAbsoluteUri(link.Url) ? link.Url! : ""));
            }
        }
    }

    private static void ParseParameters(CommandHelp command, List<Block> body, string file, List<(ParameterHelp, List<ParameterHelp>)> yamlSets)
    {
        foreach (var (heading, blocks) in Entries(body, file, "PARAMETERS", "### -Name"))
        {
            var title = Inline(heading.Inline).Trim();
            if (title is "CommonParameters" or "WorkflowParameters")
            {
                if (title == "CommonParameters") command.SupportsCommonParameters = true;
                continue;
            }
            var name = title.StartsWith('-') ? title[1..] : title;
            if (command.Parameters.Any(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)))
                throw new HelpSchemaException(file, LineOf(heading), $"Parameter -{name} is documented twice");

            var firstYaml = blocks.FindIndex(IsYaml);
            if (firstYaml < 0)
                throw new HelpSchemaException(file, LineOf(heading), $"Parameter -{name} has no ```yaml metadata block");
            var stray = blocks.Skip(firstYaml).FirstOrDefault(b => !IsYaml(b));
            if (stray is not null)
                throw new HelpSchemaException(file, LineOf(stray), $"Expect CodeBlock: after the yaml of -{name} only further yaml blocks may follow");
            var description = TextOf(blocks.Take(firstYaml), file, "parameter -" + name);

            var perBlock = new List<ParameterHelp>();
            foreach (var y in blocks.Skip(firstYaml).Cast<FencedCodeBlock>())
            {
                var pairs = SimpleYaml.ParseParameterBlock(CodeText(y).Replace(NewLine, "\n"), file, LineOf(y) + 1);
                perBlock.Add(FromYaml(name, description, pairs, LineOf(heading)));
            }
            command.Parameters.Add(perBlock[0]);
            yamlSets.Add((perBlock[0], perBlock));
        }
    }

    private static ParameterHelp FromYaml(string name, string description, Dictionary<string, string?> pairs, int line)
    {
        string? Get(string key) => pairs.TryGetValue(key, out var v) ? v : null;
        bool IsTrue(string key) => string.Equals(Get(key), "true", StringComparison.OrdinalIgnoreCase);
        return new ParameterHelp
        {
            Name = name,
            Description = description,
            Type = Get("Type"),
            ParameterSets = SplitList(Get("Parameter Sets")),
            Aliases = SplitList(Get("Aliases")),
            AcceptedValues = SplitList(Get("Accepted values")),
            Required = IsTrue("Required"),
            Position = Get("Position") ?? "named",
            DefaultValue = Get("Default value"),
            PipelineInput = Get("Accept pipeline input") ?? "false",
            Globbing = IsTrue("Accept wildcard characters"),
            Applicable = Get("Applicable"),
            Line = line,
        };
    }

    private static string[] SplitList(string? value) =>
        value is null ? Array.Empty<string>() : value.Split(',').Select(s => s.Trim()).Where(s => s.Length > 0).ToArray();

    /// <summary>
    /// One syntax item per distinct set name (first appearance, case-insensitive). A parameter whose
    /// only metadata is "(All)" joins every item; "(All)" is an item of its own only when it is the
    /// only set. No parameters at all still gives one (empty) item.
    /// </summary>
    private static void GatherSyntax(CommandHelp command, List<(ParameterHelp First, List<ParameterHelp> PerBlock)> yamlSets)
    {
        var maps = yamlSets.Select(entry =>
        {
            var map = new Dictionary<string, ParameterHelp>(StringComparer.OrdinalIgnoreCase);
            foreach (var p in entry.PerBlock)
            {
                var sets = p.ParameterSets.Count == 0 ? new[] { AllSets } : p.ParameterSets;
                foreach (var s in sets) map[IsAll(s) ? AllSets : s] = p;
            }
            return map;
        }).ToList();

        var setNames = new List<string>();
        foreach (var map in maps)
            foreach (var s in map.Keys)
                if (!setNames.Contains(s, StringComparer.OrdinalIgnoreCase)) setNames.Add(s);

        if (setNames.Count == 0)
        {
            command.Syntax.Add(new SyntaxItem(null, Array.Empty<ParameterHelp>()));
            return;
        }
        foreach (var set in setNames)
        {
            var isAll = set == AllSets;
            if (isAll && setNames.Count > 1) continue;
            var members = new List<ParameterHelp>();
            foreach (var map in maps)
            {
                if (map.TryGetValue(set, out var p)) members.Add(p);
                else if (map.Count == 1 && map.ContainsKey(AllSets)) members.Add(map[AllSets]);
            }
            // Stable sort on the Position text: digits before "named", and "10" before "2", as PlatyPS.
            var sorted = members.OrderBy(p => p.Position, StringComparer.OrdinalIgnoreCase).ToList();
            command.Syntax.Add(new SyntaxItem(isAll ? null : set, sorted));
        }
    }

    private static bool IsAll(string s) =>
        string.Equals(s, AllSets, StringComparison.OrdinalIgnoreCase) || string.Equals(s, "__AllParameterSets", StringComparison.OrdinalIgnoreCase);
}
