using VirtTools.Capability;
using VirtTools.Host;
using VirtTools.Pci;
using VirtTools.Vfio;

namespace VirtTools.HostConfig;

/// <summary>
/// Compares what is configured (boot loader, modprobe.d, modules-load.d, driverctl overrides, persisted
/// VF counts) with what is live (/proc/cmdline, /sys/module, bound drivers, sriov_numvfs). Reads only.
/// </summary>
public sealed class ConfigurationDrift
{
    public const string SriovRules = "/etc/udev/rules.d/70-virttools-sriov.rules";
    public static readonly string[] Categories = { "KernelParameter", "ModuleOption", "ModuleLoad", "DriverOverride", "SriovVfCount" };

    private readonly HostContext _host;
    private IHostFileSystem Fs => _host.Files;

    public ConfigurationDrift(HostContext host) => _host = host;

    public List<string> Notes { get; } = new();

    public IEnumerable<ConfigurationItem> Evaluate(Func<string, bool>? category = null)
    {
        category ??= _ => true;
        var items = new List<ConfigurationItem>();
        if (category("KernelParameter")) items.AddRange(KernelParameters());
        var reader = new KernelModuleReader(Fs);
        if (category("ModuleOption")) items.AddRange(ModuleOptions(reader));
        if (category("ModuleLoad")) items.AddRange(ModuleLoads(reader));
        if (category("DriverOverride")) items.AddRange(DriverOverrides());
        if (category("SriovVfCount")) items.AddRange(SriovCounts());
        return items;
    }

    private IEnumerable<ConfigurationItem> KernelParameters()
    {
        var config = new KernelParameterConfig(_host);
        var running = config.Running();
        if (running is null)
        {
            Notes.Add("/proc/cmdline is not in this root: kernel parameters are not compared.");
            yield break;
        }
        IReadOnlyList<(KernelParameter Parameter, CommandLineSource Source)> configured;
        try { configured = config.Configured(Notes); }
        catch (VirtToolsException e)
        {
            Notes.Add(e.Message.Replace(" Nothing was written.", "") + " Kernel parameters are not compared.");
            yield break;
        }
        var bl = config.BootLoader;
        var generated = GeneratedArguments(bl);
        var regen = string.Join("; ", bl.Regenerate);
        var names = configured.Select(c => c.Parameter.Name).Distinct(StringComparer.Ordinal).ToList();
        foreach (var name in names)
        {
            // The kernel acts on the last occurrence; compare that.
            var want = configured.Last(c => KernelCommandLine.NameEquals(c.Parameter.Name, name));
            var have = running.Last(name);
            var wantText = want.Parameter.ToString();
            if (have is not null && have.Value == want.Parameter.Value)
            {
                yield return Item("KernelParameter", name, Shown(want.Parameter), Shown(have), ConfigurationStatus.InSync, want.Source.File, null);
                continue;
            }
            yield return Pending(name, Shown(want.Parameter), have is null ? null : Shown(have), want.Source.File, generated, bl, regen,
                generated?.Contains(wantText) != false);
        }
        // Running IOMMU/VFIO parameters that the configuration no longer has: gone after the reboot, if the menu was regenerated.
        foreach (var p in running.Parameters.Where(p => CapabilityReader.IommuParameterNames.Any(n => KernelCommandLine.NameEquals(n, p.Name))))
        {
            if (names.Any(n => KernelCommandLine.NameEquals(n, p.Name))) continue;
            var stillGenerated = generated?.Any(a => KernelCommandLine.NameEquals(KernelCommandLine.ParseArgument(a).Name, p.Name)) == true;
            yield return Pending(p.Name, null, Shown(p), bl.ConfigFile, generated, bl, regen, !stillGenerated);
        }
    }

    /// <summary>The value, or "(flag)" for a bare parameter such as "quiet".</summary>
    private static string Shown(KernelParameter p) => p.Value ?? "(flag)";

    private static ConfigurationItem Pending(string name, string? want, string? have, string file, HashSet<string>? generated,
        BootLoader bl, string regen, bool inMenu)
    {
        if (inMenu)
            return Item("KernelParameter", name, want, have, ConfigurationStatus.PendingReboot, file,
                generated is null
                    ? $"Reboot. The generated boot configuration ({string.Join(", ", bl.GeneratedConfig)}) is not readable here; if /proc/cmdline still differs after the reboot, run {regen}."
                    : $"Reboot{(bl.Transactional ? " into the new snapshot" : "")}: the boot menu already has it.");
        return Item("KernelParameter", name, want, have, ConfigurationStatus.Drift, file,
            $"{file} and the generated boot menu disagree: run {regen}, then reboot.");
    }

    /// <summary>Every argument of every kernel line of the generated boot configuration; null when it cannot be read.</summary>
    private HashSet<string>? GeneratedArguments(BootLoader bl)
    {
        var args = new HashSet<string>(StringComparer.Ordinal);
        var found = false;
        foreach (var path in bl.GeneratedConfig)
        {
            IEnumerable<(string Path, string Text)> files;
            if (Fs.FileExists(path)) files = new[] { (path, Read(path) ?? "") };
            else if (Fs.DirectoryExists(path)) files = Fs.List(path).Where(n => n.EndsWith(".conf", StringComparison.Ordinal)).Select(n => ($"{path}/{n}", Read($"{path}/{n}") ?? ""));
            else continue;
            found = true;
            foreach (var (_, text) in files)
                foreach (var raw in text.Split('\n'))
                {
                    var line = raw.Trim();
                    // GRUB: "linux /vmlinuz ARGS" / "linuxefi ..."; loader entries: "options ARGS".
                    var words = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
                    if (words.Length < 2) continue;
                    var rest = words[0] switch
                    {
                        "linux" or "linuxefi" or "linux16" => words[1].Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).Skip(1).FirstOrDefault(),
                        "options" => words[1],
                        _ => null,
                    };
                    if (rest is null) continue;
                    foreach (var r in KernelCommandLine.Arguments(rest)) args.Add(KernelCommandLine.ParseArgument(rest[r]).ToString());
                }
        }
        return found ? args : null;
    }

    private IEnumerable<ConfigurationItem> ModuleOptions(KernelModuleReader reader)
    {
        foreach (var module in reader.Config.Modprobe.Where(d => d.Kind == "options").Select(d => KernelModules.Normalize(d.Module)).Distinct())
        {
            var state = reader.StateOf(module);
            if (state != KernelModuleState.Loaded) continue;
            foreach (var (key, (value, file)) in reader.Config.Options(module))
            {
                var item = $"{module} {key}";
                var path = $"/sys/module/{module}/parameters/{key}";
                if (!Fs.FileExists(path))
                {
                    yield return Item("ModuleOption", item, value, null, ConfigurationStatus.Drift, file,
                        $"{module} has no parameter '{key}' (modinfo -p {module}); fix or remove the option in {file}.");
                    continue;
                }
                var running = Read(path)?.Trim();
                yield return KernelModuleChanges.SameValue(running, value)
                    ? Item("ModuleOption", item, value, running, ConfigurationStatus.InSync, file, null)
                    : Item("ModuleOption", item, value, running, ConfigurationStatus.PendingReboot, file,
                        $"{module} runs with {key}={running}: reboot, or reload it with no guest running (Set-VHSKernelModuleOption -Name {module} -Option {key}={value}).");
            }
        }
    }

    private IEnumerable<ConfigurationItem> ModuleLoads(KernelModuleReader reader)
    {
        foreach (var d in reader.Config.LoadAtBoot)
        {
            var m = KernelModules.Normalize(d.Module);
            var state = reader.StateOf(m);
            yield return state switch
            {
                KernelModuleState.Loaded or KernelModuleState.BuiltIn => Item("ModuleLoad", m, "load at boot", state.ToString(), ConfigurationStatus.InSync, d.File, null),
                KernelModuleState.NotFound => Item("ModuleLoad", m, "load at boot", "NotFound", ConfigurationStatus.Drift, d.File,
                    $"{m} is not installed for kernel {reader.Release}: install it or remove it from {d.File}."),
                _ => Item("ModuleLoad", m, "load at boot", state.ToString(), ConfigurationStatus.Drift, d.File,
                    $"{m} is not loaded: Import-VHSKernelModule {m} (if it failed at boot, see journalctl -u systemd-modules-load)."),
            };
        }
    }

    private IEnumerable<ConfigurationItem> DriverOverrides()
    {
        foreach (var name in Fs.List(DriverctlStore.Dir).Where(n => n.StartsWith("pci-", StringComparison.Ordinal)).OrderBy(n => n, StringComparer.Ordinal))
        {
            if (!PciAddress.TryParse(name[4..], out var a)) continue;
            var want = DriverctlStore.Read(Fs, a);
            if (want is null) continue;
            var dev = $"/sys/bus/pci/devices/{a}";
            var file = DriverctlStore.PathOf(a);
            if (!Fs.Exists(dev))
            {
                yield return Item("DriverOverride", a.ToString(), want, null, ConfigurationStatus.Drift, file,
                    $"{a} does not exist on this host: remove {file} (driverctl unset-override {a}) if the device is gone.");
                continue;
            }
            var bound = HostPath.LinkName(Fs, $"{dev}/driver");
            yield return bound == want
                ? Item("DriverOverride", a.ToString(), want, bound, ConfigurationStatus.InSync, file, null)
                : Item("DriverOverride", a.ToString(), want, bound ?? "(none)", ConfigurationStatus.Drift, file,
                    VfioDrivers.IsPassthrough(want) ? $"Enable-VfioDevice {a} -Driver {want}" : $"driverctl load-override {a}");
        }
    }

    private IEnumerable<ConfigurationItem> SriovCounts()
    {
        var text = Read(SriovRules);
        if (text is null) yield break;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var pf = Field(line, "KERNEL==\"");
            var n = Field(line, "ATTR{sriov_numvfs}=\"");
            if (pf is null || n is null || !PciAddress.TryParse(pf, out var a)) continue;
            var live = Read($"/sys/bus/pci/devices/{a}/sriov_numvfs")?.Trim();
            yield return live == n
                ? Item("SriovVfCount", a.ToString(), n, live, ConfigurationStatus.InSync, SriovRules, null)
                : Item("SriovVfCount", a.ToString(), n, live, ConfigurationStatus.Drift, SriovRules,
                    live is null ? $"{a} has no sriov_numvfs (absent, or not an SR-IOV PF, or its driver is unbound)."
                        : $"Write {n} to /sys/bus/pci/devices/{a}/sriov_numvfs (write 0 first when it is not 0); the rule applies when the PF driver binds.");
        }
    }

    private static string? Field(string line, string prefix)
    {
        var i = line.IndexOf(prefix, StringComparison.Ordinal);
        if (i < 0) return null;
        var start = i + prefix.Length;
        var end = line.IndexOf('"', start);
        return end < 0 ? null : line[start..end];
    }

    private string? Read(string path)
    {
        try { return Fs.FileExists(path) ? Fs.ReadAllText(path) : null; }
        catch (HostIOException) { return null; }
    }

    private static ConfigurationItem Item(string category, string item, string? configured, string? running, ConfigurationStatus status, string? source, string? remedy) =>
        new() { Category = category, Item = item, Configured = configured, Running = running, Status = status, Source = source, Remedy = remedy };
}
