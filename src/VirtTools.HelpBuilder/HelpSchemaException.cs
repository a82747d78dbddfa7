namespace VirtTools.HelpBuilder;

/// <summary>A markdown file that breaks the PlatyPS schema; the message names the file and line.</summary>
public sealed class HelpSchemaException : Exception
{
    public HelpSchemaException(string file, int line, string problem)
        : base($"{file}:{line}: {problem}")
    {
        File = file;
        Line = line;
        Problem = problem;
    }

    public string File { get; }
    /// <summary>1-based line number in the markdown file.</summary>
    public int Line { get; }
    public string Problem { get; }
}
