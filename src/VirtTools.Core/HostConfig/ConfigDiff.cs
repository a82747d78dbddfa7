using System.Text;

namespace VirtTools.HostConfig;

/// <summary>A unified diff (no context lines) of a configuration file: what -WhatIf shows.</summary>
public static class ConfigDiff
{
    public static string Unified(string path, string? before, string after)
    {
        var sb = new StringBuilder();
        sb.Append("--- ").Append(before is null ? "/dev/null" : path).Append('\n');
        sb.Append("+++ ").Append(path).Append('\n');
        var a = before is null ? Array.Empty<string>() : SplitLines(before);
        var b = SplitLines(after);
        if (a.Length == b.Length)
        {
            for (var i = 0; i < a.Length; i++)
                if (a[i] != b[i])
                    sb.Append($"@@ -{i + 1} +{i + 1} @@\n-{a[i]}\n+{b[i]}\n");
            return sb.ToString();
        }
        var prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix]) prefix++;
        var suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[^(suffix + 1)] == b[^(suffix + 1)]) suffix++;
        var aCount = a.Length - prefix - suffix;
        var bCount = b.Length - prefix - suffix;
        sb.Append($"@@ -{(aCount == 0 ? prefix : prefix + 1)},{aCount} +{(bCount == 0 ? prefix : prefix + 1)},{bCount} @@\n");
        for (var i = prefix; i < prefix + aCount; i++) sb.Append('-').Append(a[i]).Append('\n');
        for (var i = prefix; i < prefix + bCount; i++) sb.Append('+').Append(b[i]).Append('\n');
        return sb.ToString();
    }

    private static string[] SplitLines(string text)
    {
        if (text.Length == 0) return Array.Empty<string>();
        var lines = text.Split('\n');
        return text.EndsWith('\n') ? lines[..^1] : lines;
    }
}
