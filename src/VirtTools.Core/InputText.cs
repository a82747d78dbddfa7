namespace VirtTools;

/// <summary>
/// Rules for text a user hands in that ends up in a file, a file name, XML or a command line. They
/// look at every character of the whole string: a regex anchored with '$' also matches before a final
/// newline, which is how a name ending in "\n" once planned a /etc/default/grub line split in two.
/// </summary>
public static class InputText
{
    /// <summary>The first control character (newline, tab, NUL, DEL, C1) in the text, or null.</summary>
    public static char? FirstControl(string? text)
    {
        if (text is null) return null;
        foreach (var c in text)
            if (char.IsControl(c)) return c;
        return null;
    }

    /// <summary>How a character is named in a message: printable as itself, the rest as U+XXXX.</summary>
    public static string Describe(char c) => c switch
    {
        '\n' => "a newline",
        '\r' => "a carriage return",
        '\t' => "a tab",
        '\0' => "a NUL character",
        _ when char.IsControl(c) => $"the control character U+{(int)c:X4}",
        _ when char.IsWhiteSpace(c) => "white space",
        _ => $"'{c}'",
    };

    /// <summary>True when every character is an ASCII letter or digit or one of <paramref name="extra"/>, and the first is a letter or digit.</summary>
    public static bool IsPlain(string? text, string extra, int maxLength)
    {
        if (string.IsNullOrEmpty(text) || text.Length > maxLength || !char.IsAsciiLetterOrDigit(text[0])) return false;
        foreach (var c in text)
            if (!char.IsAsciiLetterOrDigit(c) && extra.IndexOf(c) < 0) return false;
        return true;
    }

    /// <summary>
    /// A name that becomes one path component (a libvirt object, a file under a fixed directory):
    /// not empty, no '/', no control character, not "." or "..", at most <paramref name="maxLength"/>.
    /// Returns why not, or null when it is usable.
    /// </summary>
    public static string? WhyNotAName(string? name, int maxLength = 200)
    {
        if (string.IsNullOrWhiteSpace(name)) return "it is empty";
        if (FirstControl(name) is char c) return $"it contains {Describe(c)}";
        if (name.Contains('/')) return "it contains '/'";
        if (name is "." or "..") return "it names a directory";
        if (name.Length > maxLength) return $"it is {name.Length} characters long (at most {maxLength})";
        if (char.IsWhiteSpace(name[0]) || char.IsWhiteSpace(name[^1])) return "it starts or ends with white space";
        return null;
    }

    /// <summary>Text as a message can show it: control characters as '?', long text cut at <paramref name="max"/>.</summary>
    public static string Shown(string? text, int max = 60) =>
        text is null ? "" : new string(text.Take(max).Select(c => char.IsControl(c) ? '?' : c).ToArray()) + (text.Length > max ? "..." : "");
}
