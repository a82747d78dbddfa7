using System.Text;

namespace VirtTools.HostConfig;

/// <summary>
/// One <c>NAME=word</c> line of a shell-sourced file such as /etc/default/grub, located precisely so
/// that an editor can change the word and keep every other byte. The word's value is what the shell
/// would assign; it is editable only when it is one plain quoted (or unquoted) segment without
/// expansions or escapes, because only then is the text between the quotes the value itself.
/// </summary>
public sealed class ShellAssignment
{
    public required string Name { get; init; }
    /// <summary>1-based line number.</summary>
    public required int Line { get; init; }
    /// <summary>Offset of the word (after '=') in the file text.</summary>
    public required int WordStart { get; init; }
    public required int WordEnd { get; init; }
    /// <summary>The single quote character around the value ('"', '\''), or '\0' when unquoted.</summary>
    public char Quote { get; init; }
    /// <summary>Offset and length of the text between the quotes (the value), when <see cref="Editable"/>.</summary>
    public int ValueStart { get; init; }
    public int ValueLength { get; init; }
    /// <summary>The value the shell assigns; null when it depends on expansions ($VAR, `cmd`) or cannot be parsed.</summary>
    public string? Value { get; init; }
    /// <summary>Why the value cannot be edited in place (null when it can).</summary>
    public string? Problem { get; init; }
    public bool Editable => Problem is null;
}

/// <summary>Finds the assignments of a shell-sourced configuration file.</summary>
public static class ShellAssignments
{
    public static IReadOnlyList<ShellAssignment> Parse(string text)
    {
        var list = new List<ShellAssignment>();
        var lineStart = 0;
        var lineNo = 0;
        while (lineStart <= text.Length)
        {
            lineNo++;
            var nl = text.IndexOf('\n', lineStart);
            var lineEnd = nl < 0 ? text.Length : nl;
            if (ParseLine(text, lineStart, lineEnd, lineNo) is { } a) list.Add(a);
            if (nl < 0) break;
            lineStart = nl + 1;
        }
        return list;
    }

    /// <summary>The assignment the shell leaves in effect: the last one of <paramref name="name"/>.</summary>
    public static ShellAssignment? Effective(IReadOnlyList<ShellAssignment> all, string name) =>
        all.LastOrDefault(a => a.Name == name);

    private static ShellAssignment? ParseLine(string text, int start, int end, int lineNo)
    {
        var i = start;
        while (i < end && text[i] is ' ' or '\t') i++;
        if (Matches(text, i, end, "export ")) { i += 7; while (i < end && text[i] is ' ' or '\t') i++; }
        var nameStart = i;
        if (i >= end || !(char.IsAsciiLetter(text[i]) || text[i] == '_')) return null;
        while (i < end && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_')) i++;
        if (i >= end || text[i] != '=') return null;
        var name = text[nameStart..i];
        var wordStart = ++i;
        var value = new StringBuilder();
        var segments = 0;
        char quote = '\0';
        int valueStart = wordStart, valueLength = 0;
        string? problem = null;
        var dynamic = false;
        while (i < end && text[i] is not (' ' or '\t' or ';' or '\r'))
        {
            segments++;
            var c = text[i];
            if (c is '"' or '\'')
            {
                var close = i + 1;
                while (close < end && text[close] != c)
                {
                    if (c == '"' && text[close] == '\\') { problem ??= "it contains a backslash escape"; close++; }
                    else if (c == '"' && text[close] is '$' or '`') { problem ??= "it expands a variable or a command"; dynamic = true; }
                    close++;
                }
                if (close >= end)
                {
                    problem = "the quoted value continues on the next line";
                    dynamic = true;
                    i = end;
                    break;
                }
                quote = c;
                valueStart = i + 1;
                valueLength = close - i - 1;
                value.Append(Unescape(text[(i + 1)..close], c));
                i = close + 1;
            }
            else
            {
                var s = i;
                while (i < end && text[i] is not (' ' or '\t' or ';' or '\r' or '"' or '\''))
                {
                    if (text[i] == '\\') { problem ??= "it contains a backslash escape"; i++; }
                    else if (text[i] is '$' or '`') { problem ??= "it expands a variable or a command"; dynamic = true; }
                    i++;
                }
                i = Math.Min(i, end);
                quote = '\0';
                valueStart = s;
                valueLength = i - s;
                value.Append(Unescape(text[s..i], '\0'));
            }
        }
        var wordEnd = i;
        if (segments > 1) problem ??= "its value is made of several quoted parts";
        // What follows the word must be nothing, a comment, or a line-ending CR.
        var j = i;
        while (j < end && text[j] is ' ' or '\t' or '\r') j++;
        if (j < end && text[j] != '#') problem ??= "more than one command is on the line";
        return new ShellAssignment
        {
            Name = name,
            Line = lineNo,
            WordStart = wordStart,
            WordEnd = wordEnd,
            Quote = segments == 1 ? quote : '\0',
            ValueStart = segments == 0 ? wordStart : valueStart,
            ValueLength = segments == 0 ? 0 : valueLength,
            Value = dynamic ? null : value.ToString(),
            Problem = problem,
        };
    }

    private static string Unescape(string s, char quote)
    {
        if (quote == '\'' || !s.Contains('\\')) return s;
        var sb = new StringBuilder();
        for (var k = 0; k < s.Length; k++)
        {
            if (s[k] == '\\' && k + 1 < s.Length && (quote == '\0' || s[k + 1] is '"' or '\\' or '$' or '`'))
                k++;
            sb.Append(s[k]);
        }
        return sb.ToString();
    }

    private static bool Matches(string text, int i, int end, string word) =>
        end - i >= word.Length && string.CompareOrdinal(text, i, word, 0, word.Length) == 0;
}
