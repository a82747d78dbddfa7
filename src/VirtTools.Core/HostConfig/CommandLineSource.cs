namespace VirtTools.HostConfig;

/// <summary>
/// One place where the next boot's kernel arguments are configured: a variable of /etc/default/grub,
/// or the whole of /etc/kernel/cmdline.
/// </summary>
public sealed class CommandLineSource
{
    public required string File { get; init; }
    /// <summary>GRUB_CMDLINE_LINUX or GRUB_CMDLINE_LINUX_DEFAULT; null for /etc/kernel/cmdline.</summary>
    public string? Variable { get; init; }
    /// <summary>The file's text as read.</summary>
    public required string FileText { get; init; }
    /// <summary>The arguments; null when they depend on shell expansions.</summary>
    public string? Value { get; init; }
    public ShellAssignment? Assignment { get; init; }
    /// <summary>Why the value cannot be edited in place; null when it can.</summary>
    public string? Problem { get; init; }
    /// <summary>The variable is not assigned in the file; a change appends an assignment.</summary>
    public bool Missing { get; init; }
    /// <summary>For /etc/kernel/cmdline: the line end(s) after the arguments, kept as they were.</summary>
    public string Suffix { get; init; } = "";

    public string Where => Variable is null ? File : $"{Variable} in {File}";

    /// <summary>The file's new text with the value changed by <paramref name="edit"/>; every other byte is kept.</summary>
    public string Edit(Func<string, string> edit)
    {
        if (Problem is not null)
            throw new VirtToolsException("UnsupportedBootConfigSyntax", FailureKind.InvalidData,
                $"{Where} (line {Assignment?.Line}) cannot be edited safely: {Problem}. Nothing was written.", File,
                $"Edit {File} by hand, or rewrite the line as {Variable}=\"...\" with plain arguments and run the command again.");
        var newValue = edit(Value ?? "");
        if (Variable is null)
            return newValue + Suffix;
        if (Missing)
        {
            var sep = FileText.Length == 0 || FileText.EndsWith('\n') ? "" : "\n";
            return FileText + sep + $"{Variable}=\"{newValue}\"\n";
        }
        var a = Assignment!;
        if (a.Quote == '\0' && newValue.Any(char.IsWhiteSpace))
            return FileText[..a.WordStart] + "\"" + newValue + "\"" + FileText[a.WordEnd..];
        return FileText[..a.ValueStart] + newValue + FileText[(a.ValueStart + a.ValueLength)..];
    }
}
