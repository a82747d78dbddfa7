namespace VirtTools.Capability;

/// <summary>One kernel parameter as the kernel splits it: name, and value (null for a bare flag).</summary>
public sealed record KernelParameter(string Name, string? Value)
{
    public override string ToString() => Value is null ? Name : $"{Name}={Value}";
}

/// <summary>
/// /proc/cmdline split the way the kernel's next_arg() splits it: spaces separate, double quotes
/// protect spaces, a quote around the value or the whole argument is removed. Lookups treat '-' and
/// '_' in names as equal, as the kernel's parameq() does, and the last occurrence wins.
/// </summary>
public sealed class KernelCommandLine
{
    private KernelCommandLine(string text, IReadOnlyList<KernelParameter> parameters)
    {
        Text = text;
        Parameters = parameters;
    }

    public string Text { get; }
    public IReadOnlyList<KernelParameter> Parameters { get; }

    public static KernelCommandLine Parse(string? text)
    {
        text = (text ?? "").Trim('\0', '\n', '\r', ' ', '\t');
        var list = new List<KernelParameter>();
        // Not through Arguments: a List<Range> is generic code over a framework struct that no
        // ReadyToRun image holds, JITted on Get-VHSCapability's first call (issue 22).
        var i = 0;
        while (NextArgument(text, ref i, out var start)) list.Add(ParseArgument(text[start..i]));
        return new KernelCommandLine(text, list);
    }

    /// <summary>
    /// Where each argument of <paramref name="text"/> lies, split as the kernel splits it. Editors of
    /// boot loader files use the ranges to change one argument and keep every other byte.
    /// </summary>
    public static IReadOnlyList<Range> Arguments(string text)
    {
        var list = new List<Range>();
        var i = 0;
        while (NextArgument(text, ref i, out var start)) list.Add(start..i);
        return list;
    }

    /// <summary>The argument at or after <paramref name="i"/>: false at the end, else its start, and <paramref name="i"/> at its end.</summary>
    private static bool NextArgument(string text, ref int i, out int start)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
        start = i;
        if (i >= text.Length) return false;
        var inQuote = false;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c) && !inQuote) break;
            if (c == '"') inQuote = !inQuote;
        }
        return true;
    }

    /// <summary>One argument ("name", "name=value", "name=\"a b\"") as the kernel reads it.</summary>
    public static KernelParameter ParseArgument(string arg) => Split(arg, arg.IndexOf('='));

    private static KernelParameter Split(string arg, int equals)
    {
        if (equals < 0) return new KernelParameter(arg.Replace("\"", ""), null);
        var name = arg[..equals].Replace("\"", "");
        var value = arg[(equals + 1)..];
        // "name=value" in quotes as a whole, or name="value": the kernel drops the quote pair.
        if (value.EndsWith('"')) value = value[..^1];
        if (value.StartsWith('"')) value = value[1..];
        return new KernelParameter(name, value);
    }

    public static bool NameEquals(string a, string b) =>
        string.Equals(a.Replace('-', '_'), b.Replace('-', '_'), StringComparison.Ordinal);

    /// <summary>The last occurrence of <paramref name="name"/>, or null when absent.</summary>
    public KernelParameter? Last(string name) => Parameters.LastOrDefault(p => NameEquals(p.Name, name));

    public IEnumerable<KernelParameter> All(string name) => Parameters.Where(p => NameEquals(p.Name, name));

    public bool Has(string name) => Last(name) is not null;

    /// <summary>The value of the last occurrence; null when absent or a bare flag.</summary>
    public string? Value(string name) => Last(name)?.Value;
}
