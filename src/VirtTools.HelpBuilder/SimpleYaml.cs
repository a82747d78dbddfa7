namespace VirtTools.HelpBuilder;

/// <summary>
/// The small YAML subset PlatyPS writes: one "Key: value" pair per line, nothing nested.
/// Anything else (lists, block scalars, a line without a colon, a repeated key) is an error,
/// because a richer reader would silently accept files that PlatyPS rejects.
/// </summary>
public static class SimpleYaml
{
    /// <summary>The keys PlatyPS accepts in a parameter's yaml block (case-insensitive).</summary>
    public static readonly IReadOnlyList<string> ParameterKeys = new[]
    {
        "Type", "Parameter Sets", "Aliases", "Accepted values", "Required", "Position",
        "Default value", "Accept pipeline input", "Accept wildcard characters", "Applicable",
    };

    /// <summary>Parses the pairs; an empty value becomes null (PlatyPS ignores such keys).</summary>
    /// <param name="firstLine">1-based line of the block's first content line in <paramref name="file"/>.</param>
    public static Dictionary<string, string?> Parse(string text, string file, int firstLine)
    {
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var raw = lines[i];
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var colon = line.IndexOf(':');
            if (colon <= 0 || char.IsWhiteSpace(raw[0]) || line.StartsWith("- ", StringComparison.Ordinal))
                throw new HelpSchemaException(file, firstLine + i, $"Invalid yaml: expected simple key-value pairs, got '{line}'");
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (value is "|" or ">" or "|-" or ">-")
                throw new HelpSchemaException(file, firstLine + i, $"Invalid yaml: block scalars are not supported (key '{key}')");
            if (!result.TryAdd(key, value.Length == 0 ? null : value))
                throw new HelpSchemaException(file, firstLine + i, $"Invalid yaml: duplicate key {key}");
        }
        return result;
    }

    /// <summary>Parses a parameter block and rejects keys PlatyPS does not know.</summary>
    public static Dictionary<string, string?> ParseParameterBlock(string text, string file, int firstLine)
    {
        var pairs = Parse(text, file, firstLine);
        foreach (var key in pairs.Keys)
            if (!ParameterKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
                throw new HelpSchemaException(file, firstLine + LineOfKey(text, key), "Invalid yaml: unknown key " + key);
        return pairs;
    }

    private static int LineOfKey(string text, string key)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
            if (lines[i].TrimStart().StartsWith(key + ":", StringComparison.OrdinalIgnoreCase)) return i;
        return 0;
    }

    /// <summary>Front matter values such as <c>online version: ''</c> are quoted by some editors.</summary>
    public static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '\'' && value[^1] == '\'' || value[0] == '"' && value[^1] == '"')
            ? value[1..^1]
            : value;
}
