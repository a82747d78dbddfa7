using VirtTools.Capability;
using VirtTools.Host;

namespace VirtTools.HostConfig;

/// <summary>One directive of a modprobe.d or modules-load.d file, with where it is.</summary>
public sealed record ModuleDirective(string Kind, string Module, string Arguments, string File, int Line);

/// <summary>
/// What is configured for kernel modules: modules-load.d (load at boot) and modprobe.d (options,
/// blacklist, softdep), read from the directories systemd and kmod read, in their precedence: a file
/// in /etc hides the file of the same name in /run and /usr/lib.
/// </summary>
public sealed class ModuleConfigFiles
{
    public static readonly string[] ModulesLoadDirs = { "/etc/modules-load.d", "/run/modules-load.d", "/usr/local/lib/modules-load.d", "/usr/lib/modules-load.d", "/lib/modules-load.d" };
    public static readonly string[] ModprobeDirs = { "/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d", "/usr/lib/modprobe.d", "/lib/modprobe.d" };
    public const string OurModulesLoad = "/etc/modules-load.d/virttools.conf";
    public const string OurModprobe = "/etc/modprobe.d/virttools.conf";

    private ModuleConfigFiles(IReadOnlyList<ModuleDirective> load, IReadOnlyList<ModuleDirective> modprobe)
    {
        LoadAtBoot = load;
        Modprobe = modprobe;
    }

    public IReadOnlyList<ModuleDirective> LoadAtBoot { get; }
    public IReadOnlyList<ModuleDirective> Modprobe { get; }

    public static ModuleConfigFiles Read(IHostFileSystem fs) =>
        new(Files(fs, ModulesLoadDirs).SelectMany(f => ParseModulesLoad(f, Text(fs, f))).ToList(),
            Files(fs, ModprobeDirs).SelectMany(f => ParseModprobe(f, Text(fs, f))).ToList());

    public IEnumerable<ModuleDirective> For(string module, string kind) =>
        Modprobe.Where(d => d.Kind == kind && KernelModules.Normalize(d.Module) == KernelModules.Normalize(module));

    public ModuleDirective? LoadEntry(string module) =>
        LoadAtBoot.FirstOrDefault(d => KernelModules.Normalize(d.Module) == KernelModules.Normalize(module));

    /// <summary>The options modprobe passes, later directives overriding earlier keys as the module sees them.</summary>
    public IReadOnlyDictionary<string, (string Value, string File)> Options(string module)
    {
        var result = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var d in For(module, "options"))
            foreach (var (k, v) in SplitOptions(d.Arguments))
                result[k.Replace('-', '_')] = (v, d.File);
        return result;
    }

    public static IEnumerable<(string Key, string Value)> SplitOptions(string arguments) =>
        KernelCommandLine.Parse(arguments).Parameters.Select(p => (p.Name, p.Value ?? "1"));

    /// <summary>*.conf files in precedence order: by name, the first directory that has a name wins.</summary>
    private static IEnumerable<string> Files(IHostFileSystem fs, string[] dirs)
    {
        var byName = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var dir in dirs)
            foreach (var name in fs.List(dir))
                if (name.EndsWith(".conf", StringComparison.Ordinal) && !byName.ContainsKey(name))
                    byName[name] = $"{dir}/{name}";
        return byName.Values;
    }

    private static string Text(IHostFileSystem fs, string path)
    {
        try { return fs.ReadAllText(path); }
        catch (HostIOException) { return ""; }
    }

    private static IEnumerable<ModuleDirective> ParseModulesLoad(string file, string text)
    {
        var n = 0;
        foreach (var raw in text.Split('\n'))
        {
            n++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            yield return new ModuleDirective("load", line, "", file, n);
        }
    }

    private static IEnumerable<ModuleDirective> ParseModprobe(string file, string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var start = i + 1;
            var line = lines[i].TrimEnd('\r');
            // A trailing backslash continues the directive on the next line.
            while (line.EndsWith('\\') && i + 1 < lines.Length) line = line[..^1] + " " + lines[++i].TrimEnd('\r');
            line = line.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2) continue;
            yield return new ModuleDirective(parts[0], parts[1], parts.Length > 2 ? parts[2] : "", file, start);
        }
    }
}
