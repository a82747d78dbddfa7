namespace VirtTools.Host;

/// <summary>Path helpers that stay inside the host root, whatever a symlink says.</summary>
public static class HostPath
{
    /// <summary>Joins and normalizes "." and ".." without leaving "/".</summary>
    public static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (var p in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (p == ".") continue;
            if (p == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(p);
        }
        return "/" + string.Join('/', parts);
    }

    public static string Combine(string dir, string relativeOrAbsolute) =>
        relativeOrAbsolute.StartsWith('/') ? Normalize(relativeOrAbsolute) : Normalize(dir + "/" + relativeOrAbsolute);

    public static string Parent(string path)
    {
        var n = Normalize(path);
        var i = n.LastIndexOf('/');
        return i <= 0 ? "/" : n[..i];
    }

    public static string Name(string path)
    {
        var n = Normalize(path);
        return n[(n.LastIndexOf('/') + 1)..];
    }

    /// <summary>
    /// Resolves every symlink in the path, component by component, interpreting absolute
    /// targets as host paths (so a capture's links stay inside the capture). Returns null on a
    /// loop or a dangling link.
    /// </summary>
    public static string? Resolve(IHostFileSystem fs, string path)
    {
        var pending = new Queue<string>(Normalize(path).Split('/', StringSplitOptions.RemoveEmptyEntries));
        var current = "/";
        var hops = 0;
        while (pending.Count > 0)
        {
            var part = pending.Dequeue();
            if (part == "..") { current = Parent(current); continue; }
            var next = current == "/" ? "/" + part : current + "/" + part;
            var link = fs.ReadLink(next);
            if (link is null)
            {
                current = next;
                continue;
            }
            if (++hops > 40) return null;
            var target = Combine(current, link);
            var rest = pending.ToArray();
            pending = new Queue<string>(target.Split('/', StringSplitOptions.RemoveEmptyEntries).Concat(rest));
            current = "/";
        }
        return fs.Exists(current) ? current : null;
    }

    /// <summary>The last component of a symlink's target ("vfio-pci" for a driver link), or null.</summary>
    public static string? LinkName(IHostFileSystem fs, string path)
    {
        var t = fs.ReadLink(path);
        if (t is null) return null;
        t = t.TrimEnd('/');
        return t[(t.LastIndexOf('/') + 1)..];
    }

    /// <summary>The file's text, or null when it is missing or unreadable (a fact the caller treats as unknown).</summary>
    public static string? TryReadText(IHostFileSystem fs, string path)
    {
        // Most optional facts are absent files (/sys/hypervisor, /proc/xen, device-tree ...): asking first
        // spares the three exceptions each failed read throws (about 75 in one Get-VHSCapability on a
        // plain host, issue 22). A file that vanishes or cannot be read still lands in the catch.
        if (!fs.FileExists(path)) return null;
        try { return fs.ReadAllText(path); }
        catch (HostIOException) { return null; }
    }
}
