using VirtTools.HelpBuilder;

namespace VirtTools.Help.Tests;

/// <summary>Compares the cmdlets a module exports with docs/*.md and lists every gap, one line each.</summary>
public static class DocCoverage
{
    public static List<string> Check(IEnumerable<(string Name, IReadOnlyList<string> Parameters)> cmdlets, string docsDir)
    {
        var problems = new List<string>();
        var exported = cmdlets.ToList();
        foreach (var (name, parameters) in exported)
        {
            var path = Path.Combine(docsDir, name + ".md");
            if (!File.Exists(path))
            {
                problems.Add($"{name}: docs/{name}.md is missing (parameters to document: {string.Join(", ", parameters.Select(p => "-" + p))})");
                continue;
            }
            var help = CommandMarkdownParser.ParseFile(path);
            var documented = help.Parameters.Select(p => p.Name).ToList();
            foreach (var p in parameters.Where(p => !documented.Contains(p, StringComparer.OrdinalIgnoreCase)))
                problems.Add($"{name}: parameter -{p} is not documented in docs/{name}.md");
            foreach (var d in documented.Where(d => !parameters.Contains(d, StringComparer.OrdinalIgnoreCase)))
                problems.Add(Engine.CommonParameters.Contains(d)
                    ? $"{name}: docs/{name}.md documents the common parameter -{d}; remove it (### CommonParameters covers it)"
                    : $"{name}: docs/{name}.md documents -{d}, which the cmdlet does not have");
            // Get-Help reads only the file named after the cmdlet's assembly; a page aimed elsewhere is lost.
            if (help.ExternalHelpFile != HelpBuild.DefaultHelpFile)
                problems.Add($"{name}: docs/{name}.md has 'external help file: {help.ExternalHelpFile}', expected {HelpBuild.DefaultHelpFile}");
            if (help.ModuleName != "VirtTools")
                problems.Add($"{name}: docs/{name}.md has 'Module Name: {help.ModuleName}', expected VirtTools");
            if (string.IsNullOrWhiteSpace(help.Synopsis)) problems.Add($"{name}: docs/{name}.md has no SYNOPSIS");
            if (help.Examples.Count == 0) problems.Add($"{name}: docs/{name}.md has no example");
        }
        if (Directory.Exists(docsDir))
        {
            foreach (var md in Directory.GetFiles(docsDir, "*-*.md").OrderBy(f => f, StringComparer.Ordinal))
            {
                var cmd = Path.GetFileNameWithoutExtension(md);
                if (cmd.StartsWith("about_", StringComparison.OrdinalIgnoreCase)) continue;
                if (!exported.Any(c => string.Equals(c.Name, cmd, StringComparison.OrdinalIgnoreCase)))
                    problems.Add($"docs/{Path.GetFileName(md)} documents {cmd}, which the module does not export");
            }
        }
        return problems;
    }
}
