using System.Globalization;
using VirtTools.Host;
using static VirtTools.Capability.CapabilityRules;

namespace VirtTools.Capability;


/// <summary>
/// Reads a <see cref="HostCapability"/> from a host root through <see cref="IHostFileSystem"/>.
/// Rule for absent files: a fact is "false" only when the place that would show it was readable
/// (the directory exists, the list was read); otherwise it is null.
/// </summary>
public sealed class CapabilityReader
{
    public static readonly string[] VfioModuleNames = { "vfio", "vfio_pci", "vfio_pci_core", "vfio_iommu_type1" };

    /// <summary>The cmdline parameters that change how the IOMMU or VFIO behave.</summary>
    public static readonly string[] IommuParameterNames =
    {
        "intel_iommu", "amd_iommu", "iommu", "iommu.passthrough", "iommu.strict", "intremap",
        "vfio-pci.ids", "vfio_iommu_type1.allow_unsafe_interrupts", "pcie_acs_override",
    };

    private static readonly string[] KvmVendorModules = { "kvm_intel", "kvm_amd", "kvm_pvm", "kvm_hv", "kvm_pr" };

    private readonly IHostFileSystem _fs;
    private readonly IDeviceAccessProbe? _access;
    private readonly bool _live;
    private readonly List<string> _notes = new();

    /// <param name="access">Null on a captured root: access cannot be judged from another machine's modes.</param>
    public CapabilityReader(IHostFileSystem fs, IDeviceAccessProbe? access = null)
    {
        _fs = fs;
        _access = access;
        _live = fs.Root == "/";
    }

    /// <summary>A root with neither sys/ nor proc/ (a wrong VIRTTOOLS_ROOT, an empty extraction): nothing can be read.</summary>
    public static bool IsEmptyRoot(IHostFileSystem fs) => !fs.DirectoryExists("/sys") && !fs.DirectoryExists("/proc");

    /// <summary>The warning every cmdlet gives for such a root.</summary>
    public static string EmptyRootWarning(IHostFileSystem fs, string consequence) =>
        $"The root {fs.Root} holds neither sys/ nor proc/: {consequence}. Point {HostContext.RootVariable} at the top of the capture (the directory that holds sys/ and proc/).";

    public static CapabilityReader For(HostContext host) =>
        new(host.Files, host.IsLiveRoot ? new LiveDeviceAccessProbe() : null);

    public HostCapability Read() => ReadFacts().Capability;

    public HostFacts ReadFacts()
    {
        HostContext.EnsureRoot(_fs);
        _notes.Clear();

        var release = Text("/proc/sys/kernel/osrelease") ?? ReleaseFromVersion(Text("/proc/version"));
        var cpuText = Text("/proc/cpuinfo");
        var cpu = cpuText is null ? null : CpuInfo.Parse(cpuText);
        var problems = new List<string>();
        if (cpu is { IsRecognized: false })
        {
            var shown = new string(cpuText!.Take(40).Select(c => char.IsControl(c) ? '?' : c).ToArray());
            problems.Add($"/proc/cpuinfo: unexpected content '{shown}{(cpuText!.Length > 40 ? "..." : "")}' (no processor, vendor or flags lines): CPU facts are unknown.");
            cpu = null;
        }
        else if (cpu is null) _notes.Add("/proc/cpuinfo is missing: CPU facts are unknown.");
        var arch = Text("/proc/sys/kernel/arch") ?? cpu?.Architecture;
        var cmdlineText = RawText("/proc/cmdline");
        var cmdline = KernelCommandLine.Parse(cmdlineText);
        var modules = new KernelModules(_fs, release);
        if (!_fs.DirectoryExists("/dev")) _notes.Add("The root has no /dev directory (a capture?): device nodes are unknown, not absent.");

        // Xen
        var xenType = Text("/sys/hypervisor/type");
        var xenCapsFile = RawText("/proc/xen/capabilities");
        bool? dom0 = xenCapsFile is not null ? xenCapsFile.Contains("control_d", StringComparison.Ordinal)
            : xenType == "xen" ? null
            : xenType is not null || _fs.DirectoryExists("/sys/hypervisor") || _live ? false : null;
        if (xenType == "xen" && xenCapsFile is null) _notes.Add("Xen detected but /proc/xen is not mounted (xenfs): Dom0 or DomU is unknown.");
        var domU = xenCapsFile is not null && dom0 == false || xenType == "xen" && dom0 == false;
        var xenCaps = Text("/sys/hypervisor/properties/capabilities")?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string? xenVersion = null;
        if (Text("/sys/hypervisor/version/major") is { } major && Text("/sys/hypervisor/version/minor") is { } minor)
            xenVersion = $"{major}.{minor}{Text("/sys/hypervisor/version/extra")}";

        var (isVm, hypervisor) = DetectHypervisor(cpu, dom0, domU, xenType);

        // KVM
        var hw = cpu?.HardwareVirtualization;
        if (cpu is not null && hw is null)
            _notes.Add($"/proc/cpuinfo on {cpu.Architecture ?? "this architecture"} does not show hardware virtualization; /dev/kvm is the evidence.");
        var kvmDev = DevNode("/dev/kvm");
        bool? kvmAccess = kvmDev switch
        {
            true => _access?.CanReadWrite("/dev/kvm"),
            false => false,
            null => null,
        };
        var kvmModule = KvmVendorModules.FirstOrDefault(m => modules.IsPresent(m) == true)
            ?? (modules.IsPresent("kvm") == true ? "kvm" : null);
        bool? pvm = _fs.DirectoryExists("/sys/module/kvm_pvm") ? true : modules.IsLoaded("kvm_pvm");
        if (pvm == true) _notes.Add(GuestAcceleration.Of(dom0, pvm, kvmDev).Story);
        var nested = Nested();

        // IOMMU
        var table = FirmwareTable(dom0);
        var groups = Names("/sys/kernel/iommu_groups").Count(n => int.TryParse(n, out _));
        var units = Names("/sys/class/iommu");
        bool? iommuOn = groups > 0 || units.Count > 0 || AnyPciGroupLink() ? true
            : _fs.DirectoryExists("/sys/kernel/iommu_groups") || _live ? false : null;
        int? groupCount = _fs.DirectoryExists("/sys/kernel/iommu_groups") ? groups : null;
        if (dom0 == true) _notes.Add("Xen Dom0: Xen owns the IOMMU and hides DMAR (renamed RMAD); use `xl info` virt_caps (hvm_directio).");
        string[]? iommuParams = cmdlineText is null ? null
            : IommuParameterNames.Select(n => IommuParameter(cmdline, n)).OfType<string>().ToArray();
        var ir = InterruptRemapping(units, cmdline);
        var unsafeIrq = AllowUnsafeInterrupts(cmdline);

        // vfio, SR-IOV
        var vfioLoaded = Subset(VfioModuleNames, modules.IsLoaded);
        var vfioBuiltin = Subset(VfioModuleNames, modules.IsBuiltin);
        var vfioAvailable = Subset(VfioModuleNames, modules.IsAvailable);
        if (release is null) _notes.Add("The kernel release is unknown: built-in and installed modules were not read.");
        var sriov = SriovCapableCount();

        // Secure guests
        var kvmAmdSev = Text("/sys/module/kvm_amd/parameters/sev") is { } sev ? sev.StartsWith('1') || sev.StartsWith('Y') : (bool?)null;
        var devSev = DevNode("/dev/sev");
        bool? uv = _fs.Exists("/sys/firmware/uv") ? true : _fs.DirectoryExists("/sys/firmware") ? false : null;
        var secure = SecureGuest(cpu, kvmAmdSev, devSev, uv, cmdline);

        var (hypervisors, modes) = Modes(hw, arch, kvmDev, pvm, dom0, xenCaps);
        var (cgVersion, cgControllers) = new CgroupReader(_fs, _notes).Read();

        bool? pciback = _fs.DirectoryExists("/sys/bus/pci/drivers/pciback") ? true
            : (modules.IsPresent("xen_pciback"), modules.IsAvailable("xen_pciback")) switch
            {
                (true, _) or (_, true) => true,
                (false, false) => false,
                _ => null,
            };

        var cap = new HostCapability
        {
            Root = _fs.Root,
            KernelRelease = release,
            Architecture = arch,
            CpuVendor = cpu?.Vendor,
            CpuModel = cpu?.Model,
            HardwareVirtualization = hw,
            IsVirtualMachine = isVm,
            Hypervisor = hypervisor,
            KvmDevicePresent = kvmDev,
            KvmDeviceAccessible = kvmAccess,
            KvmModule = kvmModule,
            KvmPvm = pvm,
            NestedVirtualization = nested,
            XenHypervisorType = xenType,
            XenVersion = xenVersion,
            IsXenDom0 = dom0,
            XenCapabilities = xenCaps,
            IommuFirmwareTable = table,
            IommuEnabled = iommuOn,
            IommuGroupCount = groupCount,
            IommuKernelParameters = iommuParams,
            InterruptRemapping = ir,
            AllowUnsafeInterrupts = unsafeIrq,
            VfioModulesLoaded = vfioLoaded,
            VfioModulesBuiltin = vfioBuiltin,
            VfioModulesAvailable = vfioAvailable,
            VfioDevicePresent = DevNode("/dev/vfio/vfio"),
            SriovCapableDeviceCount = sriov,
            SecureGuest = secure,
            SupportedHypervisors = hypervisors,
            VirtualizationModes = modes,
            DevNetTun = DevNode("/dev/net/tun"),
            DevVhostNet = DevNode("/dev/vhost-net"),
            CgroupVersion = cgVersion,
            CgroupControllers = cgControllers,
            KernelCommandLine = cmdlineText is null ? null : cmdline.Text,
            Notes = _notes.ToArray(),
            ReadFailures = problems.ToArray(),
        };
        return new HostFacts
        {
            Capability = cap,
            Cpu = cpu,
            CommandLine = cmdline,
            CommandLineKnown = cmdlineText is not null,
            Modules = modules,
            IsLiveRoot = _live,
            KvmAmdSevEnabled = kvmAmdSev,
            DevSev = devSev,
            S390Ultravisor = uv,
            XenPcibackAvailable = pciback,
            PciDriversListed = _fs.DirectoryExists("/sys/bus/pci/drivers"),
        };
    }
    private string? RawText(string path) => HostPath.TryReadText(_fs, path);

    /// <summary>Directory entries; an unreadable directory counts as showing nothing, like a missing one.</summary>
    private IReadOnlyList<string> Names(string path)
    {
        try { return _fs.List(path); }
        catch (HostIOException) { return Array.Empty<string>(); }
    }

    /// <summary>Trimmed content, or null when missing, unreadable or empty.</summary>
    private string? Text(string path) => Trimmed(RawText(path));

    /// <summary>Device nodes are only known when the root has a /dev at all (captures usually do not).</summary>
    private bool? DevNode(string path) => _fs.DirectoryExists("/dev") ? _fs.Exists(path) : null;

    private (bool? IsVm, string? Hypervisor) DetectHypervisor(CpuInfo? cpu, bool? dom0, bool domU, string? xenType)
    {
        if (dom0 == true) return (false, "Xen");
        if (domU) return (true, "Xen");
        var dmi = DmiHypervisor(Text("/sys/class/dmi/id/sys_vendor"), Text("/sys/class/dmi/id/product_name"));
        var s390 = Text("/proc/sysinfo") is { } sysinfo
            ? sysinfo.Contains("z/VM", StringComparison.Ordinal) ? "z/VM"
            : sysinfo.Contains("KVM/Linux", StringComparison.Ordinal) ? "KVM" : null
            : null;
        var flag = cpu?.Flags.Contains("hypervisor") == true;
        var firmware = DeviceTreeHypervisor();
        // On Arm, Dom0 also sees the /hypervisor "xen,xen" node: without /proc/xen it may be Dom0 or a guest.
        if (firmware == "Xen" && dom0 is null) return (null, "Xen");
        if (flag || dmi is not null || s390 is not null || firmware is not null)
            return (true, dmi ?? s390 ?? firmware ?? (xenType == "xen" ? "Xen" : null));
        // x86 has a reliable "hypervisor" CPUID bit; other architectures have no cpuinfo evidence either way.
        return (cpu?.IsX86 == true ? false : null, null);
    }

    /// <summary>Guest evidence on device-tree platforms (Arm, POWER), where there is no hypervisor CPU flag.</summary>
    private string? DeviceTreeHypervisor()
    {
        if (Text("/proc/device-tree/hypervisor/compatible") is { } hyp)
            return hyp.Contains("xen", StringComparison.OrdinalIgnoreCase) ? "Xen"
                : hyp.Contains("kvm", StringComparison.OrdinalIgnoreCase) ? "KVM" : hyp.Split('\0')[0];
        // QEMU's firmware configuration device and the "dummy-virt" board exist only in virtual machines.
        if (Names("/proc/device-tree").Any(n => n.StartsWith("fw-cfg@", StringComparison.Ordinal))) return "QEMU";
        if (Text("/proc/device-tree/compatible")?.Contains("linux,dummy-virt", StringComparison.Ordinal) == true) return "KVM";
        // An LPAR runs under the PowerVM hypervisor; bare-metal POWER (OPAL) has no lparcfg.
        if (_fs.FileExists("/proc/ppc64/lparcfg")) return "PowerVM";
        return null;
    }
    /// <summary>DMI names that only virtual platforms use (bare-metal cloud hosts such as "Amazon EC2" are left out).</summary>
    internal static string? DmiHypervisor(string? vendor, string? product) => CapabilityRules.DmiHypervisor(vendor, product);

    private bool? Nested()
    {
        foreach (var m in new[] { "kvm_intel", "kvm_amd", "kvm" })
        {
            // kvm_intel says Y/N (bool), kvm_amd 1/0 (int), s390 kvm 1/0.
            if (ParseBool(Text($"/sys/module/{m}/parameters/nested")) is bool b) return b;
        }
        return null;
    }

    private string? FirmwareTable(bool? dom0)
    {
        const string dir = "/sys/firmware/acpi/tables";
        foreach (var t in new[] { "DMAR", "IVRS", "IORT", "RMAD" })
            if (_fs.Exists($"{dir}/{t}")) return t;
        if (dom0 == true) return "HiddenByXen";
        return _fs.DirectoryExists(dir) ? "None" : null;
    }

    private bool AnyPciGroupLink()
    {
        foreach (var d in Names("/sys/bus/pci/devices"))
            if (_fs.ReadLink($"/sys/bus/pci/devices/{d}/iommu_group") is not null) return true;
        return false;
    }

    private bool? InterruptRemapping(IReadOnlyList<string> units, KernelCommandLine cmdline)
    {
        var intremap = cmdline.Value("intremap");
        if (intremap == "off" || cmdline.Has("nointremap")) return false;
        bool? all = null;
        foreach (var u in units.Where(u => u.StartsWith("dmar", StringComparison.Ordinal)))
        {
            var ecap = Text($"/sys/class/iommu/{u}/intel-iommu/ecap");
            if (ecap is null || !ulong.TryParse(ecap.StartsWith("0x") ? ecap[2..] : ecap, NumberStyles.HexNumber, null, out var bits))
                return null;
            // VT-d spec, Extended Capability Register bit 3: Interrupt Remapping support.
            all = (all ?? true) && (bits & 0x8) != 0;
        }
        return all;
    }

    private bool? AllowUnsafeInterrupts(KernelCommandLine cmdline)
    {
        var type1 = ParseBool(Text("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"))
            ?? ParseBool(cmdline.Value("vfio_iommu_type1.allow_unsafe_interrupts"));
        var iommufd = ParseBool(Text("/sys/module/iommufd/parameters/allow_unsafe_interrupts"));
        if (type1 == true || iommufd == true) return true;
        return type1 ?? iommufd;
    }

    private int? SriovCapableCount()
    {
        const string dir = "/sys/bus/pci/devices";
        if (!_fs.DirectoryExists(dir)) return null;
        var n = 0;
        foreach (var d in Names(dir))
            if (Text($"{dir}/{d}/sriov_totalvfs") is { } t && int.TryParse(t, out var total) && total > 0) n++;
        return n;
    }
}
