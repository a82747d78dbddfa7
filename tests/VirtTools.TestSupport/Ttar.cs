using System.Security.Cryptography;
using System.Text;

namespace VirtTools.Testing;

/// <summary>
/// Expands "ttar" text archives (prometheus/procfs fixtures): "Directory:", "Path:" + "Lines: N" + N
/// lines (NULLBYTE for \0, a final "EOF" meaning no trailing newline) or "SymlinkTo:", and "Mode:".
/// Read as Latin-1 so binary files such as PCI config survive byte for byte.
/// </summary>
public static class Ttar
{
    private static readonly object Gate = new();
    private static readonly byte[] Replacement = { 0xEF, 0xBF, 0xBD };

    /// <summary>Expands a ttar under tests/fixtures once per machine; returns the expansion directory.</summary>
    public static string ExtractFixture(string relativeTtar)
    {
        var src = Fixtures.PathOf(relativeTtar);
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("ttar2|" + relativeTtar + "|" + new FileInfo(src).Length)))[..16];
        var dest = Path.Combine(Path.GetTempPath(), "virttools-fixtures", key);
        lock (Gate)
        {
            var done = Path.Combine(dest, ".extracted");
            if (File.Exists(done)) return dest;
            if (Directory.Exists(dest)) Directory.Delete(dest, true);
            Extract(src, dest);
            File.WriteAllText(done, relativeTtar);
            return dest;
        }
    }

    public static void Extract(string ttarPath, string dest)
    {
        var latin1 = Encoding.Latin1;
        var lines = latin1.GetString(File.ReadAllBytes(ttarPath)).Split('\n');
        Directory.CreateDirectory(dest);
        string? path = null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.StartsWith("Directory: ", StringComparison.Ordinal))
            {
                Directory.CreateDirectory(Target(dest, line[11..]));
                path = null;
            }
            else if (line.StartsWith("Path: ", StringComparison.Ordinal)) path = line[6..];
            else if (line.StartsWith("SymlinkTo: ", StringComparison.Ordinal) && path is not null)
            {
                var p = Target(dest, path);
                Directory.CreateDirectory(Path.GetDirectoryName(p)!);
                if (File.Exists(p) || new FileInfo(p).LinkTarget is not null) File.Delete(p);
                File.CreateSymbolicLink(p, line[11..]);
                path = null;
            }
            else if (line.StartsWith("Lines: ", StringComparison.Ordinal) && path is not null)
            {
                var n = int.Parse(line[7..], System.Globalization.CultureInfo.InvariantCulture);
                var sb = new StringBuilder();
                for (var k = 0; k < n; k++)
                {
                    var content = lines[++i];
                    if (k == n - 1 && content.EndsWith("EOF", StringComparison.Ordinal)) sb.Append(content[..^3]);
                    else sb.Append(content).Append('\n');
                }
                var p = Target(dest, path);
                Directory.CreateDirectory(Path.GetDirectoryName(p)!);
                var bytes = latin1.GetBytes(sb.ToString().Replace("NULLBYTE", "\0", StringComparison.Ordinal));
                // ttar stored binary files as text: bytes that were not UTF-8 became U+FFFD (EF BF BD), so
                // such a file (a PCI config) no longer says what the device said. Leave it out rather than lie.
                if (bytes.AsSpan().IndexOf(Replacement) >= 0) { path = null; continue; }
                File.WriteAllBytes(p, bytes);
                path = null;
            }
        }
    }

    private static string Target(string dest, string relative)
    {
        var full = Path.GetFullPath(Path.Combine(dest, relative));
        if (!full.StartsWith(Path.GetFullPath(dest), StringComparison.Ordinal))
            throw new InvalidDataException($"ttar entry escapes the destination: {relative}");
        return full;
    }
}
