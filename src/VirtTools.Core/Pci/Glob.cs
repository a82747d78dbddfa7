namespace VirtTools.Pci;

/// <summary>fnmatch(3) without flags: '*', '?', and bracket sets ("[0-9A-F]", "[!x]").</summary>
internal static class Glob
{
    public static bool IsMatch(string pattern, string text)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length)
            {
                var c = pattern[p];
                if (c == '*') { starP = p++; starT = t; continue; }
                if (c == '?') { p++; t++; continue; }
                if (c == '[')
                {
                    var end = SetEnd(pattern, p);
                    if (end > 0)
                    {
                        if (InSet(pattern, p + 1, end, text[t])) { p = end + 1; t++; continue; }
                        goto backtrack;
                    }
                }
                if (c == text[t]) { p++; t++; continue; }
            }
        backtrack:
            if (starP < 0) return false;
            p = starP + 1;
            t = ++starT;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    private static int SetEnd(string pattern, int open)
    {
        var i = open + 1;
        if (i < pattern.Length && (pattern[i] == '!' || pattern[i] == '^')) i++;
        if (i < pattern.Length && pattern[i] == ']') i++;
        while (i < pattern.Length && pattern[i] != ']') i++;
        return i < pattern.Length ? i : -1;
    }

    private static bool InSet(string pattern, int from, int end, char c)
    {
        var negate = pattern[from] == '!' || pattern[from] == '^';
        if (negate) from++;
        var hit = false;
        for (var i = from; i < end; i++)
        {
            if (i + 2 < end && pattern[i + 1] == '-')
            {
                if (c >= pattern[i] && c <= pattern[i + 2]) hit = true;
                i += 2;
            }
            else if (pattern[i] == c) hit = true;
        }
        return hit != negate;
    }
}
