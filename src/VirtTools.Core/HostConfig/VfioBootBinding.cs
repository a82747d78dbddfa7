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
/// </summary>
public sealed class VfioBootBinding
{
    public const string SoftdepFile = "/etc/modprobe.d/virttools-vfio.conf";
    public const string DracutFile = "/etc/dracut.conf.d/90-virttools-vfio.conf";
    public const string InitramfsToolsModules = "/etc/initramfs-tools/modules";
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
        var hostModules = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var a in addresses)
        {
            if (!persisted.Contains(a))
                throw new VirtToolsException("NotPersistentlyBound", FailureKind.InvalidOperation,
                    $"{a} has no persistent pass-through override ({DriverctlStore.PathOf(a)}). Nothing was changed.", a.ToString(),
                    $"Run Enable-VfioDevice {a} -Persist first; the boot binding only makes that override win at boot.");
            var m = HostModuleOf(a) ?? throw new VirtToolsException("HostDriverUnknown", FailureKind.ObjectNotFound,
                $"The host driver of {a} cannot be told (not bound to one, no modules.alias match). Nothing was changed.", a.ToString(),
                "Check /sys/bus/pci/devices/<address>/modalias and modules.alias for this kernel.");
            if (reader.StateOf(m) == KernelModuleState.BuiltIn)
            {
                set.Warnings.Add($"{m} (the host driver of {a}) is built into the kernel: no softdep can load vfio-pci before it; driverctl's override still moves {a} to vfio-pci later in the boot.");
                continue;
            }
            hostModules.Add(m);
        }
        if (hostModules.Count == 0) return set;

        // softdep lines, merged into our file.
        var before = Existing(SoftdepFile);
        var lines = (before ?? "# Written by VirtTools (Set-VHSVfioBootBinding): vfio-pci loads before these host drivers, so driverctl's override wins at boot.\n")
            .TrimEnd('\n').Split('\n').ToList();
        foreach (var m in hostModules)
        {
            var have = reader.Config.For(m, "softdep").Any(d => d.Arguments.Split(' ').SkipWhile(w => w != "pre:").Skip(1).TakeWhile(w => !w.EndsWith(':'))
                .Any(w => KernelModules.Normalize(w) == "vfio_pci"));
            if (have) { set.Notes.Add($"softdep {m} pre: vfio-pci is already configured."); continue; }
            lines.Add($"softdep {m} pre: vfio-pci");
        }
        var text = string.Join('\n', lines) + "\n";
        if (text != before) set.Files.Add(new FileChange(SoftdepFile, before, text));

        // The initrd must carry vfio and the softdep, or the host driver loaded there claims the device first.
        var os = OsRelease.Read(Fs);
        var transactional = BootLoader.RootIsReadOnly(Fs) == true && BootLoader.TransactionalUpdatePaths.Any(Fs.FileExists);
        if (os.IsDebian || Fs.DirectoryExists("/etc/initramfs-tools"))
        {
            var mb = Existing(InitramfsToolsModules);
            var have = (mb ?? "").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#'))
                .Select(l => KernelModules.Normalize(l.Split(' ')[0])).ToHashSet();
            var add = VfioModules.Where(v => !have.Contains(v)).ToList();
            if (add.Count > 0)
            {
                var t = mb ?? "";
                if (t.Length > 0 && !t.EndsWith('\n')) t += "\n";
                set.Files.Add(new FileChange(InitramfsToolsModules, mb, t + string.Join("\n", add) + "\n"));
            }
            set.Commands.Add(new HostCommand("update-initramfs", new[] { "-u" }, "rebuild the initramfs with vfio and the softdep"));
        }
        else if (Fs.DirectoryExists("/etc/dracut.conf.d") || Fs.FileExists("/etc/dracut.conf") || os.IsSuse)
        {
            var db = Existing(DracutFile);
            var want = "# Written by VirtTools (Set-VHSVfioBootBinding): vfio in the initrd, with the softdep that orders it.\n" +
                       "add_drivers+=\" vfio vfio_iommu_type1 vfio_pci \"\n" +
                       $"install_items+=\" {SoftdepFile} \"\n";
            if (db != want) set.Files.Add(new FileChange(DracutFile, db, want));
            set.Commands.Add(transactional
                ? new HostCommand("transactional-update", new[] { "--continue", "initrd" }, "rebuild the initrd in a new snapshot")
                : new HostCommand("dracut", new[] { "-f" }, "rebuild the initrd of the running kernel"));
        }
        else
            throw new VirtToolsException("InitrdToolNotSupported", FailureKind.NotImplemented,
                $"Neither dracut (/etc/dracut.conf.d) nor initramfs-tools (/etc/initramfs-tools) is configured on {os.Describe()}. Nothing was changed.",
                null, "Add vfio, vfio_iommu_type1, vfio_pci and the softdep to this host's initrd by hand.");

        // Nothing new to write: the initrd already has it, unless files changed.
        if (set.Files.Count == 0) set.Commands.Clear();
        else set.Notes.Add(transactional ? "The binding applies after the reboot into the new snapshot." : "The binding applies at the next boot.");
        return set;
    }

    private string? Existing(string path) => Fs.FileExists(path) ? Fs.ReadAllText(path) : null;
}
