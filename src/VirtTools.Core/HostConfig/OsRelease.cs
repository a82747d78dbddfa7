using VirtTools.Host;

namespace VirtTools.HostConfig;

/// <summary>/etc/os-release (or /usr/lib/os-release): the distribution, which picks the regeneration command.</summary>
public sealed class OsRelease
{
    private OsRelease(IReadOnlyDictionary<string, string> fields, string? file)
    {
        Fields = fields;
        File = file;
    }

    public IReadOnlyDictionary<string, string> Fields { get; }
    public string? File { get; }
    public string? Id => Get("ID");
    public string? PrettyName => Get("PRETTY_NAME") ?? Get("NAME");
    public IReadOnlyList<string> IdLike => (Get("ID_LIKE") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public string? Get(string key) => Fields.TryGetValue(key, out var v) && v.Length > 0 ? v : null;

    private IEnumerable<string> Ids => new[] { Id ?? "" }.Concat(IdLike);

    /// <summary>SLES, SLE Micro, openSUSE: ID or ID_LIKE names suse.</summary>
    public bool IsSuse => Ids.Any(i => i.Contains("suse", StringComparison.OrdinalIgnoreCase) || i is "sles" or "sled" or "sle-micro");

    /// <summary>Debian, Ubuntu and their derivatives (update-grub, initramfs-tools).</summary>
    public bool IsDebian => Ids.Any(i => i is "debian" or "ubuntu");

    public string Describe() => PrettyName ?? Id ?? "an unknown distribution";

    public static OsRelease Read(IHostFileSystem fs)
    {
        foreach (var path in new[] { "/etc/os-release", "/usr/lib/os-release" })
        {
            if (!fs.FileExists(path)) continue;
            try { return Parse(fs.ReadAllText(path), path); }
            catch (HostIOException) { }
        }
        return Parse("", null);
    }

    public static OsRelease Parse(string text, string? file = null)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var eq = line.IndexOf('=');
            if (eq <= 0) continue;
            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0]) value = value[1..^1];
            fields[line[..eq]] = value.Replace("\\\"", "\"").Replace("\\$", "$").Replace("\\\\", "\\");
        }
        return new OsRelease(fields, file);
    }
}
