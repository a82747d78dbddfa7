using System.Collections.Concurrent;
using System.Globalization;
using VirtTools.Host;

namespace VirtTools.Pci;

/// <summary>
/// The "pci:" lines of /lib/modules/&lt;release&gt;/modules.alias, matched against a device's
/// modalias the way modprobe (fnmatch) does, answering lspci -k's "Kernel modules".
/// </summary>
public sealed class ModuleAliasIndex
{
    public static readonly ModuleAliasIndex Empty = new(Array.Empty<(string, string)>());

    // Most PCI aliases name the vendor literally ("pci:v00008086d..."), so bucket by those 8 characters
    // and only try the few vendor-wildcard ones (class-based aliases) for every device.
    private readonly Dictionary<string, List<(string Pattern, string Module)>> _byVendor = new(StringComparer.Ordinal);
    private readonly List<(string Pattern, string Module)> _anyVendor = new();
    private readonly ConcurrentDictionary<string, string[]> _memo = new(StringComparer.Ordinal);

    private ModuleAliasIndex(IEnumerable<(string Pattern, string Module)> aliases)
    {
        foreach (var a in aliases)
        {
            if (a.Pattern.Length >= 13 && a.Pattern.AsSpan(5, 8).IndexOfAny("*?[") < 0)
            {
                var v = a.Pattern.Substring(5, 8);
                if (!_byVendor.TryGetValue(v, out var list)) _byVendor[v] = list = new();
                list.Add(a);
            }
            else _anyVendor.Add(a);
        }
    }

    public int Count => _anyVendor.Count + _byVendor.Values.Sum(l => l.Count);

    public static ModuleAliasIndex Parse(string text)
    {
        var list = new List<(string, string)>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith("alias pci:", StringComparison.Ordinal)) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 3) list.Add((parts[1], parts[2]));
        }
        return new ModuleAliasIndex(list);
    }

    /// <summary>
    /// The index for the running kernel of the host root: release from /proc/sys/kernel/osrelease,
    /// then /lib/modules/&lt;release&gt;/modules.alias. Empty (never an error) when either is missing.
    /// </summary>
    public static ModuleAliasIndex Load(IHostFileSystem fs, out string? problem)
    {
        problem = null;
        string release;
        try { release = fs.ReadAllText("/proc/sys/kernel/osrelease").Trim(); }
        catch (HostIOException) { return Empty; }
        if (release.Length == 0 || release.Contains('/')) return Empty;
        var path = $"/lib/modules/{release}/modules.alias";
        if (!fs.FileExists(path)) return Empty;
        try { return Parse(fs.ReadAllText(path)); }
        catch (HostIOException e)
        {
            problem = $"{path}: {HostIOException.Describe(e.Errno)}";
            return Empty;
        }
    }

    /// <summary>The kernel's modalias for a PCI function (drivers/pci/pci-driver.c, pci_uevent).</summary>
    public static string Modalias(int vendor, int device, int subVendor, int subDevice, int classCode) =>
        string.Create(CultureInfo.InvariantCulture,
            $"pci:v{vendor:X8}d{device:X8}sv{subVendor:X8}sd{subDevice:X8}bc{classCode >> 16 & 0xff:X2}sc{classCode >> 8 & 0xff:X2}i{classCode & 0xff:X2}");

    private readonly ConcurrentDictionary<(int, int, int, int, int), string[]> _byIds = new();

    /// <summary>Modules for a device's ids; memoized on the ids, so 10,000 alike VFs build one modalias.</summary>
    public string[] Match(int vendor, int device, int subVendor, int subDevice, int classCode)
    {
        if (_byVendor.Count == 0 && _anyVendor.Count == 0) return Array.Empty<string>();
        return _byIds.GetOrAdd((vendor, device, subVendor, subDevice, classCode),
            k => Match(Modalias(k.Item1, k.Item2, k.Item3, k.Item4, k.Item5)));
    }

    /// <summary>Modules whose alias matches, in modules.alias order, without repeats.</summary>
    public string[] Match(string modalias)
    {
        if (_byVendor.Count == 0 && _anyVendor.Count == 0) return Array.Empty<string>();
        return _memo.GetOrAdd(modalias, m =>
        {
            var found = new List<string>();
            if (m.Length >= 13 && _byVendor.TryGetValue(m.Substring(5, 8), out var list))
                foreach (var a in list)
                    if (!found.Contains(a.Module) && Glob.IsMatch(a.Pattern, m)) found.Add(a.Module);
            foreach (var a in _anyVendor)
                if (!found.Contains(a.Module) && Glob.IsMatch(a.Pattern, m)) found.Add(a.Module);
            return found.ToArray();
        });
    }
}
