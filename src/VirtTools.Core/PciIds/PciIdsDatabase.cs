using System.Collections.Concurrent;
using System.Globalization;
using VirtTools.Host;

namespace VirtTools.PciIds;

/// <summary>
/// The system's pci.ids. Kept compact: the text itself plus the offset of each vendor block, so
/// loading is one pass that only looks at top-level lines; device and subsystem names are found
/// by scanning one vendor's block on demand and then memoized (10,000 VFs share a handful of ids).
/// </summary>
public sealed class PciIdsDatabase
{
    /// <summary>
    /// Where distributions put pci.ids: Debian/Ubuntu (misc), Fedora/RHEL (hwdata), SUSE (/usr/share).
    /// Compressed copies (pci.ids.gz) are not read.
    /// </summary>
    public static readonly string[] StandardPaths = { "/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids", "/usr/share/pci.ids" };

    private static readonly ConcurrentDictionary<string, PciIdsDatabase> Cache = new(StringComparer.Ordinal);

    private readonly string _text;
    private readonly Dictionary<int, (int Start, int End)> _vendors;
    private readonly Dictionary<int, string> _classes = new();
    private readonly Dictionary<int, string> _subclasses = new();
    private readonly Dictionary<int, string> _progIfs = new();
    private readonly ConcurrentDictionary<int, string?> _vendorNames = new();
    private readonly ConcurrentDictionary<long, string?> _deviceNames = new();
    private readonly ConcurrentDictionary<(long, long), string?> _subsystemNames = new();

    /// <summary>An empty database: every lookup falls back to numbers.</summary>
    public static readonly PciIdsDatabase Empty = new(string.Empty, null);

    private PciIdsDatabase(string text, string? path)
    {
        _text = text;
        Path = path;
        _vendors = new Dictionary<int, (int, int)>(text.Length == 0 ? 0 : 2600);
        Index();
    }

    /// <summary>The host path it was read from, or null for <see cref="Empty"/>.</summary>
    public string? Path { get; }

    public int VendorCount => _vendors.Count;

    public static PciIdsDatabase Parse(string text, string? path = null) => new(text, path);

    /// <summary>
    /// The first pci.ids found under the host root, loaded once per process. The cache key is the
    /// mapped path plus size and modification time, so a distribution update is picked up.
    /// </summary>
    public static PciIdsDatabase Load(IHostFileSystem fs, string? explicitPath = null)
    {
        var db = LoadFrom(fs, explicitPath);
        // Captured roots (sosreport, supportconfig, recorded trees) rarely carry pci.ids. The names are a
        // lookup table, not host state, so this machine's copy names a capture's devices as well.
        if (db == Empty && explicitPath is null && fs.Root != "/") db = LoadFrom(new DiskFileSystem("/"), null);
        return db;
    }

    private static PciIdsDatabase LoadFrom(IHostFileSystem fs, string? explicitPath)
    {
        foreach (var p in explicitPath is null ? StandardPaths : new[] { explicitPath })
        {
            if (!fs.FileExists(p)) continue;
            var key = CacheKey(fs, p);
            if (key is not null && Cache.TryGetValue(key, out var hit)) return hit;
            string text;
            try { text = fs.ReadAllText(p); }
            catch (HostIOException) { continue; }
            var db = new PciIdsDatabase(text, p);
            // Without a stat-able key (a simulated file system), cache by content identity instead.
            key ??= fs.Root + "\0" + p + "\0" + text.Length + "\0" + text.GetHashCode();
            Cache[key] = db;
            return db;
        }
        return Empty;
    }

    private static string? CacheKey(IHostFileSystem fs, string path)
    {
        // The seam has no stat(); DiskFileSystem maps to a real file whose metadata we may read.
        if (fs is not DiskFileSystem disk) return null;
        try
        {
            var fi = new FileInfo(disk.Map(path));
            return fi.FullName + "\0" + fi.Length + "\0" + fi.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    private void Index()
    {
        var t = _text;
        var pos = 0;
        var currentVendor = -1;
        var vendorStart = 0;
        var inClasses = false;
        int cls = -1, sub = -1;
        while (pos < t.Length)
        {
            var eol = t.IndexOf('\n', pos);
            if (eol < 0) eol = t.Length;
            var len = eol - pos;
            if (len > 0 && t[pos] != '#')
            {
                if (t[pos] != '\t')
                {
                    if (currentVendor >= 0) { _vendors.TryAdd(currentVendor, (vendorStart, pos)); currentVendor = -1; }
                    if (len > 4 && t[pos] == 'C' && t[pos + 1] == ' ')
                    {
                        inClasses = true;
                        if (TryHex(t, pos + 2, 2, out cls)) { _classes[cls] = Name(t, pos + 4, eol); sub = -1; }
                    }
                    else if (len > 6 && t[pos + 1] != ' ' && TryHex(t, pos, 4, out var v) && t[pos + 4] == ' ')
                    {
                        inClasses = false;
                        currentVendor = v;
                        vendorStart = eol;
                    }
                    else inClasses = false; // other sections (device types, languages) we do not use
                }
                else if (inClasses && cls >= 0)
                {
                    if (len > 3 && t[pos + 1] != '\t' && TryHex(t, pos + 1, 2, out sub))
                        _subclasses[cls << 8 | sub] = Name(t, pos + 3, eol);
                    else if (len > 4 && t[pos + 1] == '\t' && sub >= 0 && TryHex(t, pos + 2, 2, out var pi))
                        _progIfs[cls << 16 | sub << 8 | pi] = Name(t, pos + 4, eol);
                }
            }
            pos = eol + 1;
        }
        if (currentVendor >= 0) _vendors.TryAdd(currentVendor, (vendorStart, t.Length));
    }

    public string? VendorName(int vendor) => _vendorNames.GetOrAdd(vendor, FindVendor);

    private string? FindVendor(int vendor)
    {
        if (!_vendors.TryGetValue(vendor, out var b)) return null;
        // The vendor line ends just before the block starts: walk back to its start.
        var lineStart = _text.LastIndexOf('\n', Math.Max(b.Start - 1, 0)) + 1;
        return Name(_text, lineStart + 4, b.Start);
    }

    public string? DeviceName(int vendor, int device) =>
        _deviceNames.GetOrAdd((long)vendor << 16 | (uint)device, k => FindDevice((int)(k >> 16), (int)(k & 0xffff), out _, out _));

    /// <summary>The name pci.ids gives the subsystem under vendor:device, or null when it has none.</summary>
    public string? SubsystemName(int vendor, int device, int subVendor, int subDevice) =>
        _subsystemNames.GetOrAdd(((long)vendor << 16 | (uint)device, (long)subVendor << 16 | (uint)subDevice), k =>
        {
            if (FindDevice(vendor, device, out var from, out var to) is null) return null;
            var t = _text;
            var pos = from;
            while (pos < to)
            {
                var eol = t.IndexOf('\n', pos);
                if (eol < 0 || eol > to) eol = to;
                if (eol - pos > 12 && t[pos] == '\t' && t[pos + 1] == '\t' &&
                    TryHex(t, pos + 2, 4, out var sv) && TryHex(t, pos + 7, 4, out var sd) && sv == subVendor && sd == subDevice)
                    return Name(t, pos + 11, eol);
                pos = eol + 1;
            }
            return null;
        });

    public string? ClassName(int baseClass) => _classes.GetValueOrDefault(baseClass);

    /// <summary>Every class and subclass name of the C section ("Network controller", "Ethernet controller"...).</summary>
    public IEnumerable<string> ClassNames => _classes.Values.Concat(_subclasses.Values);
    public string? SubclassName(int baseClass, int subclass) => _subclasses.GetValueOrDefault(baseClass << 8 | subclass);
    public string? ProgIfName(int baseClass, int subclass, int progIf) => _progIfs.GetValueOrDefault(baseClass << 16 | subclass << 8 | progIf);

    /// <summary>Finds a device line; <paramref name="subFrom"/>..<paramref name="subTo"/> is its subsystem block.</summary>
    private string? FindDevice(int vendor, int device, out int subFrom, out int subTo)
    {
        subFrom = subTo = 0;
        if (!_vendors.TryGetValue(vendor, out var b)) return null;
        var t = _text;
        var pos = b.Start + 1;
        while (pos < b.End)
        {
            var eol = t.IndexOf('\n', pos);
            if (eol < 0 || eol > b.End) eol = b.End;
            if (eol - pos > 6 && t[pos] == '\t' && t[pos + 1] != '\t' && TryHex(t, pos + 1, 4, out var d) && d == device)
            {
                subFrom = eol + 1;
                subTo = subFrom;
                // The subsystem lines follow until the next single-tab line.
                while (subTo < b.End)
                {
                    var e2 = t.IndexOf('\n', subTo);
                    if (e2 < 0 || e2 > b.End) e2 = b.End;
                    if (e2 > subTo && t[subTo] == '\t' && (subTo + 1 >= t.Length || t[subTo + 1] != '\t') ) break;
                    subTo = e2 + 1;
                }
                return Name(t, pos + 5, eol);
            }
            pos = eol + 1;
        }
        return null;
    }

    private static string Name(string t, int from, int eol)
    {
        while (from < eol && t[from] == ' ') from++;
        var end = eol;
        while (end > from && (t[end - 1] == '\r' || t[end - 1] == ' ')) end--;
        return t[from..end];
    }

    private static bool TryHex(string t, int at, int digits, out int value)
    {
        value = 0;
        if (at + digits > t.Length) return false;
        for (var i = 0; i < digits; i++)
        {
            var c = t[at + i];
            int h = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (h < 0) return false;
            value = value << 4 | h;
        }
        return true;
    }
}
