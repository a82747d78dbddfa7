using VirtTools.Capability;

namespace VirtTools.HostConfig;

/// <summary>
/// Edits of kernel command-line text that touch only the argument concerned: the other arguments,
/// their order and the whitespace between them stay as they were.
/// </summary>
public static class CommandLineText
{
    public readonly record struct Argument(Range Range, KernelParameter Parameter);

    public static IReadOnlyList<Argument> Arguments(string text) =>
        KernelCommandLine.Arguments(text).Select(r => new Argument(r, KernelCommandLine.ParseArgument(text[r]))).ToArray();

    public static IReadOnlyList<Argument> Find(string text, string name) =>
        Arguments(text).Where(a => KernelCommandLine.NameEquals(a.Parameter.Name, name)).ToArray();

    public static string Replace(string text, Range range, string argument)
    {
        var (off, len) = range.GetOffsetAndLength(text.Length);
        return text[..off] + argument + text[(off + len)..];
    }

    /// <summary>Removes the argument and the whitespace before it (or after it, when it is first).</summary>
    public static string Remove(string text, Range range)
    {
        var (off, len) = range.GetOffsetAndLength(text.Length);
        var start = off;
        var end = off + len;
        while (start > 0 && text[start - 1] is ' ' or '\t') start--;
        if (start == 0) while (end < text.Length && text[end] is ' ' or '\t') end++;
        return text[..start] + text[end..];
    }

    /// <summary>Appends after the last argument; trailing whitespace stays trailing.</summary>
    public static string Append(string text, string argument)
    {
        var last = text.Length;
        while (last > 0 && char.IsWhiteSpace(text[last - 1])) last--;
        var sep = last == 0 ? "" : " ";
        return text[..last] + sep + argument + text[last..];
    }
}
