using System.Text.RegularExpressions;
using System.Xml.Linq;
using VirtTools.Capability;
using VirtTools.Host;
using VirtTools.Libvirt;

namespace VirtTools.Guests;

/// <summary>
/// New-VMGuest's core: checks every input against the host and libvirt (reading only), then creates
/// the volume, defines the guest (validated by libvirt) and starts it, undoing what it did on failure.
/// </summary>
public sealed partial class GuestCreator
{
    public static readonly string[] Pvgrub2Paths = ["/usr/lib/grub2/x86_64-xen/grub.xen", "/usr/share/grub2/x86_64-xen/grub.xen", "/usr/lib/grub-xen/grub-x86_64-xen.bin"];
    public static readonly string[] PygrubPaths = ["/usr/bin/pygrub", "/usr/lib/xen/bin/pygrub"];

    private readonly ILibvirtConnection _c;
    private readonly HostContext _host;
    private readonly bool _local;

    public GuestCreator(ILibvirtConnection connection, HostContext host)
    {
        _c = connection;
        _host = host;
        _local = IsLocalUri(connection.Uri);
    }

    /// <summary>True for URIs without a host part (qemu:///system, xen:///, test:///default, qemu+unix:///…).</summary>
    public static bool IsLocalUri(string uri)
    {
        var m = Regex.Match(uri, "^[A-Za-z0-9+.-]+://([^/?]*)");
        return !m.Success || m.Groups[1].Value is "" or "localhost" || m.Groups[1].Value.StartsWith("localhost:", StringComparison.Ordinal);
    }

    public GuestPlan Plan(GuestRequest r)
    {
        // Before the name reaches a lookup, a volume name or any XML.
        GuestSpecValidator.ValidateName(r.Name);
        if (r.Bridge is not null) GuestSpecValidator.ValidateBridge(r.Bridge);
        var warnings = new List<string>();
        var hypervisor = r.Hypervisor ?? DefaultHypervisor(warnings);
        if (hypervisor == GuestHypervisor.KVM && r.Hypervisor is not null && _local && HostCapabilityOrNull() is { } hc)
        {
            var (kind, story) = GuestAcceleration.Of(hc);
            if (kind == AccelerationKind.PvmOnly) warnings.Add($"-Hypervisor KVM: {story} Use -Hypervisor QEMU for any other OS.");
            else if (kind == AccelerationKind.Emulation) warnings.Add($"-Hypervisor KVM: {story} This guest cannot start with KVM; use -Hypervisor QEMU.");
        }
        var mode = r.Mode ?? (hypervisor == GuestHypervisor.Xen ? GuestMode.PVHVM : GuestMode.FV);

        using (var existing = _c.FindDomain(r.Name))
            if (existing is not null)
                throw new VirtToolsException("GuestExists", FailureKind.ResourceExists,
                    $"A guest named '{r.Name}' already exists on {_c.Uri}; nothing was changed.", r.Name,
                    "Choose another -Name, or remove the old guest first (Remove-VMGuest).");

        var node = NodeInfo();
        var memory = r.MemoryBytes ?? 2L << 30;
        if (node.MemoryBytes > 0 && memory > node.MemoryBytes)
            throw new VirtToolsException("GuestMemoryTooLarge", FailureKind.LimitsExceeded,
                $"-MemoryBytes {memory >> 20} MiB is more than this host's {node.MemoryBytes >> 20} MiB of memory.", memory,
                "Give the guest less memory.");
        var cpus = r.ProcessorCount ?? Math.Min(2, Math.Max(1, node.Cpus));
        if (node.Cpus > 0 && cpus > node.Cpus)
            throw new VirtToolsException("GuestProcessorsTooMany", FailureKind.LimitsExceeded,
                $"-ProcessorCount {cpus} is more than this host's {node.Cpus} logical CPUs.", cpus, $"Use at most {node.Cpus}.");

        var disks = new List<GuestDisk>();
        NewVolume? volume = null;
        var baseDisk = PlanBaseDisk(r, warnings);
        if (r.NewDiskSizeBytes is long size && baseDisk is null) volume = PlanVolume(r, size, warnings);
        if (volume is not null) disks.Add(new GuestDisk(volume.Path, volume.Format, volume.Block));
        if (baseDisk is not null) disks.Add(new GuestDisk(baseDisk.Path, "qcow2"));
        var seed = PlanSeed(r);
        var install = PlanInstallTree(r, warnings);
        foreach (var p in r.DiskPaths) disks.Add(new GuestDisk(p, ExistingDiskFormat(p)));
        if (r.CdromPath is { } iso) CheckReadable(iso);
        if (r.DriverMedia is { } media) CheckReadable(media);
        var network = ChooseNetwork(r, warnings);
        if (r.Bridge is { } br && _local && _host.IsLiveRoot && !_host.Files.DirectoryExists($"/sys/class/net/{br}/bridge"))
            throw new VirtToolsException("BridgeNotFound", FailureKind.ObjectNotFound, $"'{br}' is not a bridge on this host.", br,
                "List bridges with 'ip -d link show type bridge'.");

        foreach (var (what, path) in new[] { ("-Kernel", r.Kernel), ("-Initrd", r.Initrd) })
            if (path is not null && _local && !_host.Files.FileExists(path))
                throw new VirtToolsException("KernelNotFound", FailureKind.ObjectNotFound, $"{what} {path} does not exist.", path,
                    $"Give the path of an existing file on this host for {what}. Nothing was created.");

        string? kernel = r.Kernel, bootloader = null;
        if (hypervisor == GuestHypervisor.Xen && mode == GuestMode.PV && kernel is null)
        {
            var pvgrub = Pvgrub2Paths.FirstOrDefault(_host.Files.FileExists);
            if (pvgrub is not null)
            {
                kernel = pvgrub;
                warnings.Add($"Xen PV guest boots through pvgrub2 ({pvgrub}), which reads the guest's own GRUB configuration.");
            }
            else
            {
                bootloader = PygrubPaths.FirstOrDefault(_host.Files.FileExists) ?? PygrubPaths[0];
                warnings.Add($"Xen PV guest boots through pygrub ({bootloader}): pvgrub2 (grub2-x86_64-xen) is not installed; pygrub parses the guest's disk in Dom0.");
            }
        }

        var hostdevs = new HostDeviceChecker(_c, _host, _local).Check(r.HostDevices, hypervisor, null, r.Force, warnings);

        var (emulator, loader) = EmulatorAndLoader(hypervisor, mode);
        var spec = new GuestSpec
        {
            Name = r.Name, MemoryBytes = memory, ProcessorCount = cpus, Hypervisor = hypervisor, Mode = mode,
            Firmware = r.Firmware ?? GuestFirmware.Bios, SecureBoot = r.SecureBoot, Disks = disks, CdromPath = r.CdromPath,
            Network = network, Bridge = r.Bridge, Kernel = kernel, Initrd = r.Initrd, KernelArguments = install is null ? r.KernelArguments : null,
            Bootloader = bootloader, HostDevices = hostdevs, Emulator = emulator, Loader = loader, SeedIsoPath = seed?.Path, DriverMediaPath = r.DriverMedia,
            NoGraphics = r.NoGraphics,
        };
        var xml = DomainXmlBuilder.BuildString(spec);
        var boot = install is { } i ? PlanInstallBoot(r, spec, i.Tree, i.CommandLine, i.Iso) : null;
        return new GuestPlan { Spec = spec, Xml = xml, Volume = volume, Warnings = warnings, BaseDisk = baseDisk, Seed = seed, Install = boot };
    }

    /// <summary>
    /// Creates the volume, defines the guest with VIR_DOMAIN_DEFINE_VALIDATE and starts it. A failure at
    /// any step undoes the earlier ones: no definition and no volume are left behind.
    /// </summary>
    public ILibvirtDomain Create(GuestPlan plan, bool start)
    {
        ILibvirtDomain? domain = null;
        var step = CreateStep.Volume;
        var asked = new List<AskedVolume>();
        try
        {
            if (plan.Volume is { } v)
            {
                using var pool = _c.FindStoragePool(v.Pool) ?? throw PoolMissing(v.Pool);
                var disk = Ask(asked, v.Pool, v.Name, v.Path, "the disk volume");
                disk.Made = pool.CreateVolume(v.Xml());
            }
            CreateProvisioned(plan, asked);
            var installer = plan.Install is { } boot ? UploadInstallFiles(boot, asked) : null;
            step = CreateStep.Define;
            domain = _c.DefineDomain(plan.Xml, DomainDefineFlags.Validate);
            step = CreateStep.Start;
            if (installer is not null) StartInstallBoot(plan, plan.Install!, domain, installer);
            else if (start) domain.Start();
            asked.ForEach(a => a.Made?.Dispose());
            return domain;
        }
        catch (Exception e)
        {
            var failure = Undo(e, plan, step, domain, asked);
            if (failure == e) throw;
            throw failure;
        }
    }

    private static AskedVolume Ask(List<AskedVolume> asked, string pool, string name, string path, string what)
    {
        var a = new AskedVolume(pool, name, path, what);
        asked.Add(a);
        return a;
    }

    private GuestHypervisor DefaultHypervisor(List<string> warnings)
    {
        if (DriverType.Equals("Xen", StringComparison.OrdinalIgnoreCase)) return GuestHypervisor.Xen;
        if (_local)
        {
            var cap = HostCapabilityOrNull();
            if (cap?.IsXenDom0 == true) return GuestHypervisor.Xen;
            if (cap?.KvmModule is "kvm_intel" or "kvm_amd" && cap.KvmDeviceAccessible != false) return GuestHypervisor.KVM;
            var why = cap is null ? "the host's capability could not be read."
                : cap.KvmPvm != true && cap.KvmDevicePresent == true ? "kvm_intel/kvm_amd is not loaded."
                : GuestAcceleration.Of(cap).Story;
            warnings.Add($"-Hypervisor QEMU (plain emulation, slow): {why} Test-VHSRequirement -Name GuestAcceleration says what would give KVM.");
            return GuestHypervisor.QEMU;
        }
        var caps = Capabilities();
        if (caps.Contains("<domain type='kvm'", StringComparison.Ordinal) || caps.Contains("<domain type=\"kvm\"", StringComparison.Ordinal))
            return GuestHypervisor.KVM;
        warnings.Add($"-Hypervisor QEMU (plain emulation, slow): {_c.Uri} offers no KVM.");
        return GuestHypervisor.QEMU;
    }

    private HostCapability? _cap;
    private bool _capRead;

    /// <summary>Read once per creator: a pipeline of many guests asks the host only once.</summary>
    private HostCapability? HostCapabilityOrNull()
    {
        if (_capRead) return _cap;
        _capRead = true;
        try { return _cap = CapabilityReader.For(_host).Read(); }
        catch (Exception e) when (e is VirtToolsException or HostIOException) { return null; }
    }

    private XDocument? _caps;

    /// <summary>The emulator and Xen loader the connection's capabilities name for this guest, else the usual paths.</summary>
    private (string? Emulator, string? Loader) EmulatorAndLoader(GuestHypervisor h, GuestMode m)
    {
        try
        {
            var caps = (_caps ??= XDocument.Parse(Capabilities())).Root!;
            var osType = m == GuestMode.PV ? "xen" : "hvm";
            var domType = h switch { GuestHypervisor.KVM => "kvm", GuestHypervisor.QEMU => "qemu", _ => "xen" };
            var arch = caps.Elements("guest")
                .Where(g => (string?)g.Element("os_type") == osType)
                .Select(g => g.Element("arch"))
                .FirstOrDefault(a => a is not null && (string?)a.Attribute("name") == "x86_64"
                                     && a.Elements("domain").Any(d => (string?)d.Attribute("type") == domType));
            return ((string?)arch?.Element("emulator"), (string?)arch?.Parent?.Element("arch")?.Element("loader"));
        }
        catch (System.Xml.XmlException) { return (null, null); }
    }

    private NewVolume PlanVolume(GuestRequest r, long size, List<string> warnings)
    {
        if (size < 1L << 20)
            throw new VirtToolsException("InvalidDiskSize", FailureKind.InvalidArgument, $"-NewDiskSizeBytes {size} is smaller than 1 MiB.", size,
                "Give the size in GB, e.g. -NewDiskSizeBytes 40GB.");
        using var pool = _c.FindStoragePool(r.StoragePool) ?? throw PoolMissing(r.StoragePool);
        var poolXml = XDocument.Parse(pool.GetXml()).Root!;
        // A logical pool hands out LVs: raw block devices, named like virt-install names them (no extension).
        var files = Storage.StorageVolumeService.HoldsFiles((string?)poolXml.Attribute("type"));
        var name = files ? r.Name + ".qcow2" : r.Name;
        var dir = (string?)poolXml.Element("target")?.Element("path");
        var path = dir is null ? name : dir.TrimEnd('/') + "/" + name;
        using (var old = pool.FindVolume(name))
            if (old is not null) throw VolumeExists(path);
        if (_local && files && _host.Files.Exists(path)) throw VolumeExists(path);
        if (PoolSpaceWarning(r.StoragePool, pool.GetXml(), size) is { } full) warnings.Add(full);
        return new NewVolume(r.StoragePool, name, path, size) { Format = files ? "qcow2" : "raw", Block = !files };
    }

    /// <summary>
    /// A qcow2 volume grows up to its capacity: like virt-install, warn (not refuse) when that is more than
    /// the pool has free, since the guest then stops with an I/O error once the pool is full.
    /// </summary>
    internal static string? PoolSpaceWarning(string poolName, string poolXml, long size)
    {
        var available = (long?)XDocument.Parse(poolXml).Root!.Element("available");
        if (available is not long free || size <= free) return null;
        return $"The new disk's capacity ({size >> 20} MiB) is more than storage pool '{poolName}' has free ({free >> 20} MiB): " +
               "the guest stops with an I/O error when the pool fills up. Free space in the pool, give a smaller -NewDiskSizeBytes, or name another pool with -StoragePool.";
    }

    private static VirtToolsException PoolMissing(string pool) =>
        new("StoragePoolNotFound", FailureKind.ObjectNotFound, $"Storage pool '{pool}' does not exist.", pool,
            "List pools with 'virsh pool-list --all', or name one with -StoragePool.");

    private static VirtToolsException VolumeExists(string path) =>
        new("DiskExists", FailureKind.ResourceExists, $"{path} already exists; New-VMGuest never overwrites a disk.", path,
            "Attach it with -DiskPath, or remove it first.");

    private string ExistingDiskFormat(string path) => new Storage.DiskImageProbe(_c, _host.Files).Format(path, "-NewDiskSizeBytes");

    private void CheckReadable(string iso) => new Storage.DiskImageProbe(_c, _host.Files).CheckReadable(iso, "Nothing was created.");
}
