using VirtTools.Capability;
using VirtTools.Host;

namespace VirtTools.HostConfig;

/// <summary>Loads modules, persists them in modules-load.d and sets their options in modprobe.d.</summary>
public sealed class KernelModuleChanges
{
    /// <summary>The kernel's MODULE_NAME_LEN (64 - sizeof(long)) less its NUL.</summary>
    public const int MaxModuleNameLength = 55;

    private readonly HostContext _host;

    public KernelModuleChanges(HostContext host)
    {
        _host = host;
        Reader = new KernelModuleReader(host.Files);
    }

    public KernelModuleReader Reader { get; }

    public static void ValidateName(string name)
    {
        if (!InputText.IsPlain(name, "_-", MaxModuleNameLength))
            throw new VirtToolsException("InvalidKernelModuleName", FailureKind.InvalidArgument,
                $"'{InputText.Shown(name)}' is not a kernel module name (letters, digits, '_' and '-', at most {MaxModuleNameLength}). Nothing was changed.", name,
                "Give the module name as modinfo knows it, e.g. vfio-pci or kvm_intel.");
    }

    /// <summary>Refuses a module that this kernel does not have (when modules.dep says so).</summary>
    public void RequireInstalled(string name)
    {
        if (Reader.StateOf(name) == KernelModuleState.NotFound)
            throw new VirtToolsException("KernelModuleNotFound", FailureKind.ObjectNotFound,
                $"The module '{name}' is neither loaded, built in nor installed for kernel {Reader.Release} (modules.dep, modules.builtin). Nothing was changed.",
                name, "Check the name (modinfo NAME) or install the package that ships it for this kernel.");
    }

    /// <summary>Adds the module to /etc/modules-load.d/virttools.conf unless a modules-load.d file lists it.</summary>
    public ConfigChangeSet PlanPersistLoad(string name)
    {
        var set = new ConfigChangeSet();
        if (Reader.Config.LoadEntry(name) is { } e)
        {
            set.Notes.Add($"{name} is already loaded at boot ({e.File}, line {e.Line}).");
            return set;
        }
        var before = Existing(ModuleConfigFiles.OurModulesLoad);
        var text = before ?? "# Written by VirtTools (Import-VHSKernelModule -Persist): systemd-modules-load loads these at boot.\n";
        if (text.Length > 0 && !text.EndsWith('\n')) text += "\n";
        set.Files.Add(new FileChange(ModuleConfigFiles.OurModulesLoad, before, text + name + "\n"));
        return set;
    }

    public static (string Key, string Value) ParseOption(string option)
    {
        var eq = option.IndexOf('=');
        var key = eq < 0 ? option : option[..eq];
        var value = eq < 0 ? "1" : option[(eq + 1)..];
        if (!InputText.IsPlain(key, "_-", 64) || value.Length == 0 || value.Length > 1024
            || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '"' or '\'' or '\\' or '#' or '$' or '`' or ';'))
            throw new VirtToolsException("InvalidKernelModuleOption", FailureKind.InvalidArgument,
                $"'{InputText.Shown(option)}' is not a module option this command writes: use NAME=VALUE with a one-word value (no spaces, quotes, backslashes, '#', '$', '`', ';' or control characters). Nothing was changed.",
                option, "Example: -Option nested=1.");
        return (key, value);
    }

    /// <summary>Sets each KEY=VALUE on the module's "options" line of /etc/modprobe.d/virttools.conf.</summary>
    public ConfigChangeSet PlanPersistOptions(string module, IReadOnlyList<(string Key, string Value)> options)
    {
        var set = new ConfigChangeSet();
        var n = KernelModules.Normalize(module);
        var configured = Reader.Config.Options(n);
        var before = Existing(ModuleConfigFiles.OurModprobe);
        var lines = (before ?? "# Written by VirtTools (Set-VHSKernelModuleOption -Persist): applied when the module loads.\n").Split('\n').ToList();
        if (lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        var changed = false;
        foreach (var (key, value) in options)
        {
            var k = key.Replace('-', '_');
            if (configured.TryGetValue(k, out var cur) && SameValue(cur.Value, value))
            {
                set.Notes.Add($"options {n} {k}={cur.Value} is already configured ({cur.File}).");
                continue;
            }
            changed = true;
            var i = lines.FindIndex(l => l.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries) is { Length: >= 2 } p && p[0] == "options" && KernelModules.Normalize(p[1]) == n);
            if (i < 0) lines.Add($"options {n} {k}={value}");
            else
            {
                var p = lines[i].Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
                var kept = (p.Length > 2 ? ModuleConfigFiles.SplitOptions(p[2]) : Enumerable.Empty<(string Key, string Value)>())
                    .Where(o => o.Key.Replace('-', '_') != k).Select(o => $"{o.Key}={o.Value}");
                lines[i] = string.Join(' ', new[] { "options", p[1] }.Concat(kept).Append($"{k}={value}"));
            }
            // kmod reads the files in name order and the module takes the last value of a key.
            foreach (var d in Reader.Config.For(n, "options").Where(d => d.File != ModuleConfigFiles.OurModprobe
                         && string.CompareOrdinal(Path.GetFileName(d.File), "virttools.conf") > 0))
                foreach (var (ok, ov) in ModuleConfigFiles.SplitOptions(d.Arguments))
                    if (ok.Replace('-', '_') == k && !SameValue(ov, value))
                        set.Warnings.Add($"{d.File} (line {d.Line}) sets {k}={ov} and is read after virttools.conf, so it wins; edit it.");
        }
        if (changed) set.Files.Add(new FileChange(ModuleConfigFiles.OurModprobe, before, string.Join('\n', lines) + "\n"));
        return set;
    }

    /// <summary>Kernel bools read Y/N, ints 1/0 (kvm_intel vs kvm_amd nested): the same setting either way.</summary>
    public static bool SameValue(string? a, string? b)
    {
        static string N(string? v) => v?.Trim() switch
        {
            "Y" or "y" or "1" or "on" or "true" => "1",
            "N" or "n" or "0" or "off" or "false" => "0",
            var x => x ?? "",
        };
        return a is not null && b is not null && N(a) == N(b);
    }

    public string? Running(string module, string key) =>
        HostPath.TryReadText(_host.Files, $"/sys/module/{KernelModules.Normalize(module)}/parameters/{key.Replace('-', '_')}")?.Trim();

    /// <summary>Processes that run guests: QEMU by name, or anything holding /dev/kvm open.</summary>
    public IReadOnlyList<string> RunningGuests()
    {
        var list = new List<string>();
        foreach (var pid in _host.Files.List("/proc").Where(p => p.All(char.IsAsciiDigit)))
        {
            string comm;
            try { comm = _host.Files.ReadAllText($"/proc/{pid}/comm").Trim(); }
            catch (HostIOException) { continue; }
            var kvm = false;
            if (!comm.StartsWith("qemu", StringComparison.Ordinal))
            {
                try { kvm = _host.Files.List($"/proc/{pid}/fd").Any(fd => _host.Files.ReadLink($"/proc/{pid}/fd/{fd}") == "/dev/kvm"); }
                catch (HostIOException) { }
            }
            if (comm.StartsWith("qemu", StringComparison.Ordinal) || kvm) list.Add($"{pid} ({comm})");
        }
        return list;
    }

    /// <summary>
    /// Unloads the module and loads it again with KEY=VALUE (and whatever modprobe.d adds). kvm modules are
    /// refused while guests run; a failed load puts the module back without the option.
    /// </summary>
    public void Reload(string module, IReadOnlyList<(string Key, string Value)> options)
    {
        var n = KernelModules.Normalize(module);
        if (!_host.ProgramsSeeThisRoot)
            throw new VirtToolsException("ModuleLoadNotPossible", FailureKind.NotEnabled,
                $"Cannot reload '{n}' on a captured host root ({_host.Files.Root}).", n, $"Unset {HostContext.RootVariable} to act on the live host.");
        if (n.StartsWith("kvm", StringComparison.Ordinal) && RunningGuests() is { Count: > 0 } guests)
            throw new VirtToolsException("GuestsRunning", FailureKind.ResourceBusy,
                $"{n} cannot be reloaded while guests run: {string.Join(", ", guests.Take(5))}{(guests.Count > 5 ? ", ..." : "")}. Nothing was changed.",
                n, "Shut the guests down (virsh shutdown), or use -Persist so the option applies at the next boot.");
        Run("modprobe", new[] { "-r", n }, $"unload {n}");
        try { Run("modprobe", new[] { n }.Concat(options.Select(o => $"{o.Key}={o.Value}")).ToArray(), $"load {n} with {Describe(options)}"); }
        catch (VirtToolsException)
        {
            try { _host.Processes.Run("modprobe", new[] { n }, TimeSpan.FromMinutes(1)); } catch (HostIOException) { }
            throw;
        }
    }

    /// <summary>Loads a module that is not loaded with KEY=VALUE.</summary>
    public void LoadWith(string module, IReadOnlyList<(string Key, string Value)> options)
    {
        if (!_host.ProgramsSeeThisRoot)
            throw new VirtToolsException("ModuleLoadNotPossible", FailureKind.NotEnabled,
                $"Cannot load '{module}' on a captured host root ({_host.Files.Root}).", module, $"Unset {HostContext.RootVariable} to act on the live host.");
        Run("modprobe", new[] { KernelModules.Normalize(module) }.Concat(options.Select(o => $"{o.Key}={o.Value}")).ToArray(), $"load {module} with {Describe(options)}");
    }

    public static string Describe(IEnumerable<(string Key, string Value)> options) => string.Join(' ', options.Select(o => $"{o.Key}={o.Value}"));

    private void Run(string program, string[] args, string what)
    {
        var line = program + " " + string.Join(' ', args);
        ProcessResult r;
        try { r = _host.Processes.Run(program, args, TimeSpan.FromMinutes(1)); }
        catch (HostIOException e)
        {
            throw new VirtToolsException("ModuleLoadFailed", FailureKind.NotInstalled, $"{line} could not run: {e.Message}", args[0] == "-r" ? args[1] : args[0], "Install kmod.", e);
        }
        if (r.ExitCode != 0)
            throw new VirtToolsException("ModuleLoadFailed", r.StandardError.Contains("in use", StringComparison.OrdinalIgnoreCase) ? FailureKind.ResourceBusy : FailureKind.InvalidOperation,
                $"{line} failed (exit {r.ExitCode}) trying to {what}: {r.StandardError.Trim()}", args[0] == "-r" ? args[1] : args[0],
                "Stop what uses the module, or use -Persist so the option applies at the next boot.");
    }

    private string? Existing(string path)
    {
        if (!_host.Files.FileExists(path)) return null;
        return _host.Files.ReadAllText(path);
    }
}
