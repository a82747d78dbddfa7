using VirtTools.Capability;
using VirtTools.Host;

namespace VirtTools.HostConfig;

/// <summary>Builds <see cref="KernelModuleInfo"/> from /proc/modules, /sys/module, modules.dep/builtin and the config files.</summary>
public sealed class KernelModuleReader
{
    private readonly IHostFileSystem _fs;

    public KernelModuleReader(IHostFileSystem fs)
    {
        _fs = fs;
        Release = ReadRelease(fs);
        Modules = new KernelModules(fs, Release);
        Config = ModuleConfigFiles.Read(fs);
    }

    public string? Release { get; }
    public KernelModules Modules { get; }
    public ModuleConfigFiles Config { get; }

    public static string? ReadRelease(IHostFileSystem fs) => HostPath.TryReadText(fs, "/proc/sys/kernel/osrelease")?.Trim();

    /// <summary>Every name worth listing: loaded, and anything configured.</summary>
    public IEnumerable<string> DefaultNames() =>
        (Modules.Loaded ?? (IEnumerable<string>)Array.Empty<string>())
            .Concat(Config.LoadAtBoot.Select(d => d.Module))
            .Concat(Config.Modprobe.Where(d => d.Kind is "options" or "blacklist" or "softdep").Select(d => d.Module))
            .Select(KernelModules.Normalize).Distinct().OrderBy(n => n, StringComparer.Ordinal);

    /// <summary>Every name known here, for wildcard matching.</summary>
    public IEnumerable<string> AllNames() =>
        DefaultNames().Concat(Modules.Builtin ?? Enumerable.Empty<string>()).Concat(Modules.Available ?? Enumerable.Empty<string>())
            .Concat(_fs.List("/sys/module")).Select(KernelModules.Normalize).Distinct().OrderBy(n => n, StringComparer.Ordinal);

    public KernelModuleState StateOf(string name) =>
        Modules.IsLoaded(name) == true ? KernelModuleState.Loaded
        : Modules.IsBuiltin(name) == true ? KernelModuleState.BuiltIn
        : Modules.IsAvailable(name) == true ? KernelModuleState.Available
        : Modules.IsAvailable(name) == false && Modules.IsLoaded(name) == false ? KernelModuleState.NotFound
        : KernelModuleState.Unknown;

    public KernelModuleInfo Read(string name)
    {
        var n = KernelModules.Normalize(name);
        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in _fs.List($"/sys/module/{n}/parameters"))
        {
            // Some parameters are write-only (mode 0200): they have no value to show.
            try { parameters[p] = _fs.ReadAllText($"/sys/module/{n}/parameters/{p}").TrimEnd('\n'); }
            catch (HostIOException) { }
        }
        var options = Config.Options(n);
        var load = Config.LoadEntry(n);
        var files = Config.Modprobe.Where(d => KernelModules.Normalize(d.Module) == n).Select(d => d.File)
            .Concat(load is null ? Array.Empty<string>() : new[] { load.File }).Distinct().ToArray();
        return new KernelModuleInfo
        {
            Name = n,
            State = StateOf(n),
            KernelRelease = Release,
            Parameters = parameters,
            LoadAtBoot = load is not null,
            LoadAtBootFile = load?.File,
            ConfiguredOptions = options.ToDictionary(kv => kv.Key, kv => kv.Value.Value, StringComparer.Ordinal),
            ConfigurationFiles = files,
            Blacklisted = Config.For(n, "blacklist").Any(),
            SoftDependencies = Config.For(n, "softdep").Select(d => d.Arguments).ToArray(),
        };
    }
}
