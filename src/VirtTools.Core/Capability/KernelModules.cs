using VirtTools.Host;

namespace VirtTools.Capability;

/// <summary>
/// Which kernel modules are loaded (/proc/modules, /sys/module/NAME/initstate), built in
/// (/lib/modules/RELEASE/modules.builtin) or installed (modules.dep). Names are normalized to
/// underscores, as the kernel reports them. Each set is null when its source is missing.
/// </summary>
public sealed class KernelModules
{
    private readonly IHostFileSystem _fs;

    public KernelModules(IHostFileSystem fs, string? release)
    {
        _fs = fs;
        Loaded = ReadLoaded();
        if (release is not null)
        {
            Builtin = ReadPaths($"/lib/modules/{release}/modules.builtin");
            Available = ReadPaths($"/lib/modules/{release}/modules.dep");
        }
    }

    public IReadOnlySet<string>? Loaded { get; }
    public IReadOnlySet<string>? Builtin { get; }
    public IReadOnlySet<string>? Available { get; }

    public static string Normalize(string name) => name.Replace('-', '_');

    /// <summary>True when loaded; false when /proc/modules was read and it is not there; null when unknown.</summary>
    public bool? IsLoaded(string name)
    {
        var n = Normalize(name);
        // A loadable module has initstate; /proc/modules may be missing from a capture while /sys/module is there.
        if (_fs.FileExists($"/sys/module/{n}/initstate")) return true;
        return Loaded is null ? null : Loaded.Contains(n);
    }

    public bool? IsBuiltin(string name)
    {
        var n = Normalize(name);
        if (Builtin?.Contains(n) == true) return true;
        // Built-in code with parameters still gets /sys/module/NAME, but never an initstate.
        if (_fs.DirectoryExists($"/sys/module/{n}") && !_fs.FileExists($"/sys/module/{n}/initstate")
            && Loaded?.Contains(n) != true) return true;
        return Builtin is null ? null : false;
    }

    /// <summary>Installed as a .ko for this kernel, or built in.</summary>
    public bool? IsAvailable(string name)
    {
        var n = Normalize(name);
        if (Builtin?.Contains(n) == true || Available?.Contains(n) == true) return true;
        return Available is null ? null : false;
    }

    /// <summary>Loaded or built in: usable now.</summary>
    public bool? IsPresent(string name)
    {
        var loaded = IsLoaded(name);
        var builtin = IsBuiltin(name);
        if (loaded == true || builtin == true) return true;
        return loaded == false && builtin == false ? false : null;
    }

    private HashSet<string>? ReadLoaded()
    {
        string text;
        try { text = _fs.ReadAllText("/proc/modules"); }
        catch (HostIOException)
        {
            // On a live system a missing /proc/modules means CONFIG_MODULES=n: nothing is loadable, all is built in.
            return _fs.Root == "/" && _fs.DirectoryExists("/proc/self") ? new HashSet<string>() : null;
        }
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var name = line.Split(' ', 2)[0].Trim();
            if (name.Length > 0) set.Add(Normalize(name));
        }
        return set;
    }

    private HashSet<string>? ReadPaths(string path)
    {
        if (HostPath.TryReadText(_fs, path) is not { } text) return null;
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            // modules.dep: "kernel/drivers/vfio/pci/vfio-pci.ko.zst: deps"; modules.builtin: "kernel/drivers/vfio/vfio.ko".
            var file = line.Split(':', 2)[0].Trim();
            if (file.Length == 0) continue;
            var name = file[(file.LastIndexOf('/') + 1)..];
            var ko = name.IndexOf(".ko", StringComparison.Ordinal);
            if (ko > 0) set.Add(Normalize(name[..ko]));
        }
        return set;
    }
}
