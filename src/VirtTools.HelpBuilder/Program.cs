using VirtTools.HelpBuilder;

// Usage: VirtTools.HelpBuilder [--docs DIR] [--out DIR] [--check]
// Exit codes: 0 done / up to date, 1 en-US is stale (--check), 2 a markdown file breaks the schema, 64 bad usage.
string? docs = null, output = null;
var check = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--docs" when i + 1 < args.Length: docs = args[++i]; break;
        case "--out" when i + 1 < args.Length: output = args[++i]; break;
        case "--check": check = true; break;
        default:
            Console.Error.WriteLine("usage: VirtTools.HelpBuilder [--docs DIR] [--out DIR] [--check]");
            return 64;
    }
}

if (docs is null || output is null)
{
    var root = FindRepoRoot(Environment.CurrentDirectory);
    if (root is null)
    {
        Console.Error.WriteLine("VirtTools.HelpBuilder: no VirtTools.psd1 above the current directory; pass --docs and --out");
        return 64;
    }
    docs ??= Path.Combine(root, "docs");
    output ??= Path.Combine(root, "en-US");
}

try
{
    if (check)
    {
        var problems = HelpBuild.Compare(docs, output);
        foreach (var p in problems) Console.Error.WriteLine($"{output}: {p}");
        if (problems.Count > 0) Console.Error.WriteLine("en-US is stale: run `dotnet build src/VirtTools` and commit en-US/.");
        return problems.Count == 0 ? 0 : 1;
    }
    foreach (var name in HelpBuild.Write(docs, output)) Console.WriteLine($"VirtTools.HelpBuilder: wrote {Path.Combine(output, name)}");
    return 0;
}
catch (HelpSchemaException e)
{
    // MSBuild-style "file(line): error" so the IDE and the build log point at the markdown line.
    Console.Error.WriteLine($"{Path.Combine(docs, e.File)}({e.Line}): error VTHELP: {e.Problem}");
    return 2;
}

static string? FindRepoRoot(string start)
{
    for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
        if (File.Exists(Path.Combine(d.FullName, "VirtTools.psd1"))) return d.FullName;
    return null;
}
