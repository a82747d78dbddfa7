using VirtTools.Capability;
using VirtTools.Host;
using VirtTools.Pci;
using VirtTools.Vfio;

namespace VirtTools.HostConfig;

/// <summary>
/// Makes vfio-pci win the race at boot for devices whose host driver loads early (from the initrd):
/// "softdep HOSTDRIVER pre: vfio-pci" so modprobe loads vfio-pci first (driverctl's override then keeps
/// the host driver off), vfio in the initrd (dracut add_drivers, or initramfs-tools' modules file), and
/// an initrd rebuild. Never vfio-pci.ids=, which captures every device with those IDs (pain 3).
/// Devices persisted to pciback (a Xen Dom0) get Xen's form instead: "options xen-pciback hide=(BDF)"
/// with "softdep HOSTDRIVER pre: xen-pciback", and xen-pciback in the initrd.
/// </summary>
public sealed class VfioBootBinding
{
    public const string SoftdepFile = "/etc/modprobe.d/virttools-vfio.conf";
    public const string DracutFile = "/etc/dracut.conf.d/90-virttools-vfio.conf";
    public const string InitramfsToolsModules = "/etc/initramfs-tools/modules";
    public const string PcibackFile = "/etc/modprobe.d/virttools-pciback.conf";
    private const string PcibackModule = "xen-pciback";
    private static readonly string[] VfioModules = { "vfio", "vfio_iommu_type1", "vfio_pci" };

    private readonly HostContext _host;
    private IHostFileSystem Fs => _host.Files;

    public VfioBootBinding(HostContext host) => _host = host;

    /// <summary>The addresses with a persistent pass-through override (Enable-VfioDevice -Persist).</summary>
    public IReadOnlyList<PciAddress> PersistedAddresses() =>
        Fs.List(DriverctlStore.Dir).Where(n => n.StartsWith("pci-", StringComparison.Ordinal))
            .Select(n => PciAddress.TryParse(n[4..], out var a) ? a : (PciAddress?)null).OfType<PciAddress>()
            .Where(a => VfioDrivers.IsPassthrough(DriverctlStore.Read(Fs, a))).OrderBy(a => a.ToString(), StringComparer.Ordinal).ToList();

    /// <summary>The host driver module that would claim the device: its bound driver's module, else its modalias match.</summary>
    public string? HostModuleOf(PciAddress a)
    {
        var dev = $"/sys/bus/pci/devices/{a}";
        var bound = HostPath.LinkName(Fs, $"{dev}/driver");
        if (bound is not null && !VfioDrivers.IsPassthrough(bound))
            return KernelModules.Normalize(HostPath.LinkName(Fs, $"/sys/bus/pci/drivers/{bound}/module") ?? bound);
        string modalias;
        try { modalias = Fs.ReadAllText($"{dev}/modalias").Trim(); }
        catch (HostIOException) { return null; }
        var index = ModuleAliasIndex.Load(Fs, out _);
        return index.Match(modalias).Select(KernelModules.Normalize)
            .FirstOrDefault(m => !VfioDrivers.IsPassthrough(m.Replace('_', '-')) && m is not ("pci_stub" or "vfio_pci"));
    }

    public ConfigChangeSet Plan(IReadOnlyList<PciAddress> addresses)
    {
        var set = new ConfigChangeSet();
        var reader = new KernelModuleReader(Fs);
        var persisted = PersistedAddresses();
        // A device persisted to pciback (a Xen Dom0) is held by xen-pciback's hide= list, not by a vfio softdep.
        var vfioModules = new SortedSet<string>(StringComparer.Ordinal);
        var pcibackModules = new SortedSet<string>(StringComparer.Ordinal);
        var pciback = new List<PciAddress>();
        foreach (var a in addresses)
        {
            if (!persisted.Contains(a))
                throw new VirtToolsException("NotPersistentlyBound", FailureKind.InvalidOperation,
                    $"{a} has no persistent pass-through override ({DriverctlStore.PathOf(a)}). Nothing was changed.", a.ToString(),
                    $"Run Enable-VfioDevice {a} -Persist first; the boot binding only makes that override win at boot.");
            var toPciback = IsPciback(DriverctlStore.Read(Fs, a));
            var m = HostModuleOf(a) ?? throw new VirtToolsException("HostDriverUnknown", FailureKind.ObjectNotFound,
                $"The host driver of {a} cannot be told (not bound to one, no modules.alias match). Nothing was changed.", a.ToString(),
                "Check /sys/bus/pci/devices/<address>/modalias and modules.alias for this kernel.");
            if (reader.StateOf(m) == KernelModuleState.BuiltIn)
            {
                set.Warnings.Add(toPciback
                    ? $"{m} (the host driver of {a}) is built into the kernel: it claims {a} before xen-pciback can load; only a built-in xen-pciback with xen-pciback.hide=({a}) on the Dom0 kernel command line takes it first."
                    : $"{m} (the host driver of {a}) is built into the kernel: no softdep can load vfio-pci before it; driverctl's override still moves {a} to vfio-pci later in the boot.");
                continue;
            }
            (toPciback ? pcibackModules : vfioModules).Add(m);
            if (toPciback) pciback.Add(a);
        }
        if (vfioModules.Count == 0 && pciback.Count == 0) return set;

        var initrdModules = new List<string>();
        var conf = new List<string>();
        if (vfioModules.Count > 0)
        {
            PlanVfioSoftdeps(set, reader, vfioModules);
            initrdModules.AddRange(VfioModules);
            conf.Add(SoftdepFile);
        }
        if (pciback.Count > 0)
        {
            if (reader.StateOf(PcibackModule) == KernelModuleState.BuiltIn)
                set.Warnings.Add($"xen-pciback is built into this kernel: modprobe options do not reach it; put xen-pciback.hide={HideList(pciback)} on the Dom0 kernel command line instead.");
            PlanPcibackHide(set, reader, pciback, pcibackModules);
            initrdModules.Add(PcibackModule);
            conf.Add(PcibackFile);
        }

        // The initrd must carry the stub driver and its configuration, or the host driver loaded there claims the device first.
        var os = OsRelease.Read(Fs);
        var transactional = BootLoader.RootIsReadOnly(Fs) == true && BootLoader.TransactionalUpdatePaths.Any(Fs.FileExists);
        if (os.IsDebian || Fs.DirectoryExists("/etc/initramfs-tools"))
        {
            var mb = Existing(InitramfsToolsModules);
            var have = (mb ?? "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
                .Select(l => KernelModules.Normalize(l.Split(' ')[0])).ToHashSet();
            var add = initrdModules.Where(v => !have.Contains(KernelModules.Normalize(v))).ToList();
            if (add.Count > 0)
            {
                var t = mb ?? "";
                if (t.Length > 0 && !t.EndsWith('\n')) t += "\n";
                set.Files.Add(new FileChange(InitramfsToolsModules, mb, t + string.Join("\n", add) + "\n"));
            }
            set.Commands.Add(new HostCommand("update-initramfs", new[] { "-u" }, $"rebuild the initramfs with {string.Join(", ", initrdModules)} and the module configuration"));
        }
        else if (Fs.DirectoryExists("/etc/dracut.conf.d") || Fs.FileExists("/etc/dracut.conf") || os.IsSuse)
        {
            var db = Existing(DracutFile);
            var want = "# Written by VirtTools (Set-VHSVfioBootBinding): the pass-through stub in the initrd, with the configuration that orders it.\n" +
                       $"add_drivers+=\" {string.Join(' ', initrdModules)} \"\n" +
                       $"install_items+=\" {string.Join(' ', conf)} \"\n";
            if (db != want) set.Files.Add(new FileChange(DracutFile, db, want));
            set.Commands.Add(transactional
                ? new HostCommand("transactional-update", new[] { "--continue", "initrd" }, "rebuild the initrd in a new snapshot")
                : new HostCommand("dracut", new[] { "-f" }, "rebuild the initrd of the running kernel"));
        }
        else
            throw new VirtToolsException("InitrdToolNotSupported", FailureKind.NotImplemented,
                $"Neither dracut (/etc/dracut.conf.d) nor initramfs-tools (/etc/initramfs-tools) is configured on {os.Describe()}. Nothing was changed.",
                null, $"Add {string.Join(", ", initrdModules)} and {string.Join(", ", conf)} to this host's initrd by hand.");

        // Nothing new to write: the initrd already has it, unless files changed.
        if (set.Files.Count == 0) set.Commands.Clear();
        else set.Notes.Add(transactional ? "The binding applies after the reboot into the new snapshot." : "The binding applies at the next boot.");
        return set;
    }

    private void PlanVfioSoftdeps(ConfigChangeSet set, KernelModuleReader reader, IEnumerable<string> hostModules)
    {
        var before = Existing(SoftdepFile);
        var lines = (before ?? "# Written by VirtTools (Set-VHSVfioBootBinding): vfio-pci loads before these host drivers, so driverctl's override wins at boot.\n")
            .TrimEnd('\n').Split('\n').ToList();
        foreach (var m in hostModules)
        {
            if (HasSoftdep(reader, m, "vfio_pci")) { set.Notes.Add($"softdep {m} pre: vfio-pci is already configured."); continue; }
            lines.Add($"softdep {m} pre: vfio-pci");
        }
        var text = string.Join('\n', lines) + "\n";
        if (text != before) set.Files.Add(new FileChange(SoftdepFile, before, text));
    }

    /// <summary>
    /// What a Xen Dom0 reads at boot: xen-pciback's hide= list (SUSE's and Xen's documented modprobe form)
    /// makes pciback claim the devices when it loads, and a softdep loads it before their host drivers.
    /// The list keeps the addresses the file held, so bindings made one at a time add up.
    /// </summary>
    private void PlanPcibackHide(ConfigChangeSet set, KernelModuleReader reader, IReadOnlyList<PciAddress> addresses, IEnumerable<string> hostModules)
    {
        var before = Existing(PcibackFile);
        var lines = (before ?? "# Written by VirtTools (Set-VHSVfioBootBinding): xen-pciback takes these devices when it loads (hide=), and loads before their host drivers.\n")
            .TrimEnd('\n').Split('\n').ToList();
        var hideLine = lines.FindIndex(l => HideOf(l) is not null);
        var hidden = hideLine < 0 ? new List<PciAddress>() : HideOf(lines[hideLine])!;
        foreach (var a in addresses.Where(a => !hidden.Contains(a))) hidden.Add(a);
        var want = $"options {PcibackModule} hide={HideList(hidden)}";
        if (hideLine < 0) lines.Add(want); else lines[hideLine] = want;
        foreach (var d in reader.Config.For(PcibackModule, "options").Where(d => d.File != PcibackFile && HideOf($"options {d.Module} {d.Arguments}") is not null))
            set.Warnings.Add($"{d.File} line {d.Line} also sets xen-pciback's hide=; modprobe passes both and the later one wins. Merge them into one list.");
        foreach (var m in hostModules)
        {
            if (HasSoftdep(reader, m, PcibackModule)) { set.Notes.Add($"softdep {m} pre: {PcibackModule} is already configured."); continue; }
            var line = $"softdep {m} pre: {PcibackModule}";
            if (!lines.Contains(line)) lines.Add(line);
        }
        var text = string.Join('\n', lines) + "\n";
        if (text != before) set.Files.Add(new FileChange(PcibackFile, before, text));
    }

    private static bool HasSoftdep(KernelModuleReader reader, string module, string pre) =>
        reader.Config.For(module, "softdep").Any(d => d.Arguments.Split(' ').SkipWhile(w => w != "pre:").Skip(1).TakeWhile(w => !w.EndsWith(':'))
            .Any(w => KernelModules.Normalize(w) == KernelModules.Normalize(pre)));

    /// <summary>What the confirmation names: the stub driver(s) the addresses are persisted to.</summary>
    public string ActionFor(IReadOnlyList<PciAddress> addresses)
    {
        var drivers = addresses.Select(a => IsPciback(DriverctlStore.Read(Fs, a)) ? "pciback" : "vfio-pci").Distinct().Order(StringComparer.Ordinal);
        return $"Bind to {string.Join(" and ", drivers)} at boot";
    }

    private static bool IsPciback(string? driver) => driver is "pciback" or "xen-pciback";

    /// <summary>The (address)(address) form xen-pciback's hide= and the kernel command line take.</summary>
    public static string HideList(IEnumerable<PciAddress> addresses) => string.Concat(addresses.Select(a => $"({a})"));

    /// <summary>The addresses of an "options xen-pciback hide=..." line, or null for any other line.</summary>
    internal static List<PciAddress>? HideOf(string line)
    {
        var words = line.Trim().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 3 || words[0] != "options" || KernelModules.Normalize(words[1]) != "xen_pciback") return null;
        var hide = words.Skip(2).FirstOrDefault(w => w.StartsWith("hide=", StringComparison.Ordinal));
        if (hide is null) return null;
        return hide[5..].Split(new[] { '(', ')' }, StringSplitOptions.RemoveEmptyEntries)
            .Select(x => PciAddress.TryParse(x, out var a) ? a : (PciAddress?)null).OfType<PciAddress>().ToList();
    }

    private string? Existing(string path) => Fs.FileExists(path) ? Fs.ReadAllText(path) : null;
}
