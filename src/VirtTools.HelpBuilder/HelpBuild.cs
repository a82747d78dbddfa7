using System.Text;

namespace VirtTools.HelpBuilder;

/// <summary>One file the build produces (relative name in the culture folder) and its exact content.</summary>
public sealed record GeneratedFile(string Name, string Content);

/// <summary>
/// docs/ → en-US/: every docs/*-*.md becomes part of the MAML file its front matter names, every
/// docs/about_*.md an about_*.help.txt. Inputs are read in ordinal name order, so the output
/// depends only on the markdown.
/// </summary>
public static class HelpBuild
{
    public const string DefaultHelpFile = "VirtTools.dll-Help.xml";

    public static IReadOnlyList<GeneratedFile> Generate(string docsDir)
    {
        var files = Directory.Exists(docsDir)
            ? Directory.GetFiles(docsDir, "*.md").OrderBy(Path.GetFileName, StringComparer.Ordinal).ToList()
            : new List<string>();
        var result = new List<GeneratedFile>();

        var commands = files
            .Where(f => Path.GetFileName(f).Contains('-') && !Path.GetFileName(f).StartsWith("about_", StringComparison.OrdinalIgnoreCase))
            .Select(CommandMarkdownParser.ParseFile)
            .ToList();
        foreach (var c in commands.Where(c => string.IsNullOrWhiteSpace(c.ExternalHelpFile)))
            throw new HelpSchemaException(c.SourceFile, 2, "The front matter has no 'external help file' (expected " + DefaultHelpFile + ")");
        foreach (var group in commands.GroupBy(c => c.ExternalHelpFile!, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            result.Add(new GeneratedFile(group.Key, MamlWriter.Write(group.OrderBy(c => c.Name, StringComparer.Ordinal))));

        foreach (var f in files.Where(f => Path.GetFileName(f).StartsWith("about_", StringComparison.OrdinalIgnoreCase)))
        {
            var name = Path.GetFileNameWithoutExtension(f) + ".help.txt";
            result.Add(new GeneratedFile(name, AboutTopicWriter.ConvertFile(f)));
        }
        return result;
    }

    /// <summary>Files in the culture folder that this builder owns (so a stale one can be found and removed).</summary>
    public static IEnumerable<string> OwnedFiles(string outDir) =>
        !Directory.Exists(outDir)
            ? Enumerable.Empty<string>()
            : Directory.GetFiles(outDir).Where(f =>
                    Path.GetFileName(f).EndsWith("-Help.xml", StringComparison.OrdinalIgnoreCase) ||
                    Path.GetFileName(f).EndsWith(".help.txt", StringComparison.OrdinalIgnoreCase))
                .OrderBy(f => f, StringComparer.Ordinal);

    /// <summary>What differs between <paramref name="outDir"/> and what the docs produce; empty when up to date.</summary>
    public static IReadOnlyList<string> Compare(string docsDir, string outDir)
    {
        var problems = new List<string>();
        var generated = Generate(docsDir);
        foreach (var g in generated)
        {
            var path = Path.Combine(outDir, g.Name);
            if (!File.Exists(path)) problems.Add($"{g.Name}: missing");
            else if (File.ReadAllText(path, Encoding.UTF8) != g.Content) problems.Add($"{g.Name}: differs from what docs/ produces");
        }
        foreach (var f in OwnedFiles(outDir))
            if (!generated.Any(g => g.Name == Path.GetFileName(f))) problems.Add($"{Path.GetFileName(f)}: no markdown source produces it");
        return problems;
    }

    /// <summary>Writes what changed and removes owned files no source produces. Returns the names written.</summary>
    public static IReadOnlyList<string> Write(string docsDir, string outDir)
    {
        var generated = Generate(docsDir);
        Directory.CreateDirectory(outDir);
        var written = new List<string>();
        foreach (var g in generated)
        {
            var path = Path.Combine(outDir, g.Name);
            // Unchanged files keep their timestamp, so nothing downstream rebuilds for nothing.
            if (File.Exists(path) && File.ReadAllText(path, Encoding.UTF8) == g.Content) continue;
            File.WriteAllText(path, g.Content, new UTF8Encoding(false));
            written.Add(g.Name);
        }
        foreach (var f in OwnedFiles(outDir).ToList())
            if (!generated.Any(g => g.Name == Path.GetFileName(f))) File.Delete(f);
        return written;
    }
}
