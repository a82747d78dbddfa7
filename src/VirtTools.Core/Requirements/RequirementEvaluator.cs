using VirtTools.Capability;
using VirtTools.Host;

namespace VirtTools.Requirements;

/// <summary>The check sets of Test-VHSRequirement.</summary>
public enum HypervisorKind
{
    KVM,
    Xen,
}

/// <summary>
/// Turns <see cref="HostFacts"/> into <see cref="RequirementCheck"/>s: virt-host-validate's qemu
/// checks with their levels, plus what it lacks (vfio, interrupt remapping, nested, kvm_pvm, Xen Dom0,
/// vendor-correct IOMMU advice). Unknown evidence gives Skip, never a guessed Pass or Fail.
/// </summary>
public sealed class RequirementEvaluator
{
    private sealed record Definition(string Name, HypervisorKind Set, Func<RequirementEvaluator, Result> Run);

    private readonly record struct Result(RequirementStatus Status, string Detail, string? Remedy = null);

    private static readonly string[] CgroupControllers = { "memory", "cpu", "cpuacct", "cpuset", "devices", "blkio" };

    private static readonly Definition[] Definitions = BuildDefinitions();

    private readonly HostFacts _facts;
    private readonly HostCapability _cap;
    private readonly IProcessRunner? _runner;
    private string[]? _xlVirtCaps;
    private bool _xlAsked;

    /// <param name="runner">Used only on the live root, for `xl info` on a Xen Dom0; null skips it.</param>
    public RequirementEvaluator(HostFacts facts, IProcessRunner? runner = null)
    {
        _facts = facts;
        _cap = facts.Capability;
        _runner = facts.IsLiveRoot ? runner : null;
    }

    /// <summary>Xen when the host is a Xen Dom0, else KVM.</summary>
    public HypervisorKind DefaultSet => _cap.IsXenDom0 == true ? HypervisorKind.Xen : HypervisorKind.KVM;

    public static IReadOnlyList<string> CheckNames(HypervisorKind set) =>
        Definitions.Where(d => d.Set == set).Select(d => d.Name).ToArray();

    public static IReadOnlyList<string> AllCheckNames => Definitions.Select(d => d.Name).Distinct().ToArray();

    /// <summary>Runs the checks of <paramref name="set"/> whose name <paramref name="select"/> accepts, in order, lazily.</summary>
    public IEnumerable<RequirementCheck> Evaluate(HypervisorKind set, Func<string, bool>? select = null)
    {
        foreach (var d in Definitions)
        {
            if (d.Set != set || select is not null && !select(d.Name)) continue;
            var r = d.Run(this);
            yield return new RequirementCheck
            {
                Name = d.Name,
                Hypervisor = set.ToString(),
                Status = r.Status,
                Detail = r.Detail,
                Remedy = r.Status is RequirementStatus.Warn or RequirementStatus.Fail ? r.Remedy : null,
            };
        }
    }

    private static Definition[] BuildDefinitions()
    {
        var list = new List<Definition>
        {
            new("HardwareVirtualization", HypervisorKind.KVM, e => e.HardwareVirtualization()),
            new("KvmDevice", HypervisorKind.KVM, e => e.KvmDevice()),
            new("KvmDeviceAccess", HypervisorKind.KVM, e => e.KvmDeviceAccess()),
            new("KvmPvm", HypervisorKind.KVM, e => e.KvmPvm()),
            new("PowerPcKvmModule", HypervisorKind.KVM, e => e.PowerPcKvmModule()),
            new("VhostNet", HypervisorKind.KVM, e => e.DeviceNode(e._cap.DevVhostNet, "/dev/vhost-net", RequirementStatus.Warn,
                "Load the vhost_net module (modprobe vhost_net) for faster virtio networking.")),
            new("Tun", HypervisorKind.KVM, e => e.Tun()),
        };
        foreach (var c in CgroupControllers)
            list.Add(new("Cgroup" + char.ToUpperInvariant(c[0]) + c[1..], HypervisorKind.KVM, e => e.Cgroup(c)));
        list.AddRange(new Definition[]
        {
            new("IommuFirmware", HypervisorKind.KVM, e => e.IommuFirmware()),
            new("IommuEnabled", HypervisorKind.KVM, e => e.IommuEnabled()),
            new("IommuKernelParameters", HypervisorKind.KVM, e => e.IommuKernelParameters()),
            new("AcsOverride", HypervisorKind.KVM, e => e.AcsOverride()),
            new("InterruptRemapping", HypervisorKind.KVM, e => e.InterruptRemapping()),
            new("VfioModules", HypervisorKind.KVM, e => e.VfioModules()),
            new("VfioDevice", HypervisorKind.KVM, e => e.DeviceNode(e._cap.VfioDevicePresent, "/dev/vfio/vfio", RequirementStatus.Warn,
                "Load vfio-pci (modprobe vfio-pci); it creates /dev/vfio/vfio for device assignment.")),
            new("NestedVirtualization", HypervisorKind.KVM, e => e.NestedVirtualization()),
            new("SecureGuest", HypervisorKind.KVM, e => e.SecureGuest()),

            new("XenHypervisor", HypervisorKind.Xen, e => e.XenHypervisor()),
            new("XenDom0", HypervisorKind.Xen, e => e.XenDom0()),
            new("XenHvm", HypervisorKind.Xen, e => e.XenHvm()),
            new("XenIommu", HypervisorKind.Xen, e => e.XenIommu()),
            new("XenPciback", HypervisorKind.Xen, e => e.XenPciback()),
            new("Tun", HypervisorKind.Xen, e => e.Tun()),
        });
        return list.ToArray();
    }

    private static Result Skip(string why) => new(RequirementStatus.Skip, why);
    private static Result Pass(string detail) => new(RequirementStatus.Pass, detail);
    private static Result Warn(string detail, string remedy) => new(RequirementStatus.Warn, detail, remedy);
    private static Result Fail(string detail, string remedy) => new(RequirementStatus.Fail, detail, remedy);

    private string Arch => _cap.Architecture ?? "unknown";

    private string CpuInfoMissing => _cap.Problems.Any(p => p.StartsWith("/proc/cpuinfo:", StringComparison.Ordinal))
        ? "/proc/cpuinfo could not be parsed (see Problems): CPU facts are unknown."
        : "/proc/cpuinfo is not in this root.";
    private bool IsIntel => IommuAdvice.IsIntel(_cap.CpuVendor);
    private bool IsAmd => IommuAdvice.IsAmd(_cap.CpuVendor);

    private string KvmModuleAdvice => IsIntel ? "kvm_intel" : IsAmd ? "kvm_amd" : "kvm";

    /// <summary>In a guest the firmware is the outer hypervisor's: remedies say what to ask of it instead of the BIOS.</summary>
    private bool InGuest => _cap.IsVirtualMachine == true;

    private string Outer => _cap.Hypervisor is { Length: > 0 } h ? $"the outer hypervisor ({h})" : "the outer hypervisor";

    private Result HardwareVirtualization()
    {
        var hw = _cap.HardwareVirtualization;
        if (_facts.Cpu is null) return Skip(CpuInfoMissing);
        var guest = _cap.IsVirtualMachine == true ? " (in a virtual machine: nested virtualization)" : "";
        return hw switch
        {
            "vmx" => Pass("Intel VT-x (vmx flag)" + guest + "."),
            "svm" => Pass("AMD-V (svm flag)" + guest + "."),
            "sie" => Pass("s390 SIE (sie feature)" + guest + "."),
            "None" when _cap.KvmPvm == true => Fail("No vmx/svm flag; kvm_pvm provides /dev/kvm without hardware virtualization.",
                "Only PVM-enabled guest kernels run on kvm_pvm. For stock guests, enable VT-x/AMD-V in the firmware (or nested virtualization on the outer hypervisor)."),
            "None" => Fail($"No hardware virtualization flag in /proc/cpuinfo ({Arch}); only slow emulation (TCG) is possible.",
                _cap.IsVirtualMachine == true
                    ? "Enable nested virtualization on the outer hypervisor (expose vmx/svm to this VM)."
                    : "Enable Intel VT-x / AMD-V (SVM) in the BIOS/UEFI setup, then cold-boot."),
            _ when Arch is "ppc64" or "ppc64le" => Pass("POWER: KVM-HV availability is shown by the kvm_hv module (see PowerPcKvmModule)."),
            _ => Skip($"/proc/cpuinfo on {Arch} does not show hardware virtualization; /dev/kvm (KvmDevice) is the evidence."),
        };
    }

    private Result KvmDevice()
    {
        if (_cap.HardwareVirtualization == "None" && _cap.KvmPvm != true)
            return Skip("Not checked: no hardware virtualization (see HardwareVirtualization).");
        return _cap.KvmDevicePresent switch
        {
            true when _cap.KvmPvm == true => Warn("/dev/kvm exists, but it is kvm_pvm, not hardware KVM.",
                "Run only PVM guest kernels, or unload kvm_pvm and use kvm_intel/kvm_amd on hardware with VT-x/AMD-V."),
            true => Pass("/dev/kvm exists" + (_cap.KvmModule is { } m ? $" ({m})." : ".")),
            false => Fail("/dev/kvm does not exist.",
                _facts.Cpu?.IsX86 == true
                    ? InGuest
                        ? $"Load the KVM module (modprobe {KvmModuleAdvice}); in this virtual machine, {Outer} must expose VT-x/AMD-V (nested virtualization)."
                        : $"Load the KVM module (modprobe {KvmModuleAdvice}) and check that virtualization is enabled in the BIOS/UEFI."
                    : "Check that the CPU and firmware support virtualization and that the kvm module is loaded."),
            null => Skip("The root has no /dev (a capture?): /dev/kvm is unknown."),
        };
    }

    private Result KvmDeviceAccess()
    {
        if (_cap.KvmDevicePresent != true) return Skip("Not checked: /dev/kvm is absent or unknown.");
        return _cap.KvmDeviceAccessible switch
        {
            true => Pass("This process can open /dev/kvm read-write."),
            false => Fail("This process cannot open /dev/kvm read-write (libvirt: \"Could not access KVM kernel module: Permission denied\").",
                "Add the user to the group that owns /dev/kvm (usually kvm: usermod -aG kvm USER, then log in again), or fix the udev rule that sets its mode (0660 or 0666)."),
            null => Skip("Access is judged only on the live root; a capture's owners and modes belong to another machine."),
        };
    }

    private Result KvmPvm() => _cap.KvmPvm switch
    {
        true => Warn("kvm_pvm is loaded: /dev/kvm works without hardware KVM, but only PVM-built guest kernels run; stock kernels fail (\"failed to set MSR 0x10a\", emulation failures).",
            "Boot guests with a PVM-enabled kernel, or use hardware KVM (kvm_intel/kvm_amd) where VT-x/AMD-V is available."),
        false => Pass("kvm_pvm is not loaded."),
        null => Skip("/proc/modules and /sys/module are not in this root."),
    };

    private Result PowerPcKvmModule()
    {
        if (Arch is not ("ppc64" or "ppc64le")) return Skip($"Only for POWER hosts (this one is {Arch}).");
        return _facts.Modules.IsLoaded("kvm_hv") switch
        {
            true => Pass("kvm_hv is loaded."),
            false => Warn("kvm_hv is not loaded.", "Load it: modprobe kvm_hv."),
            null => Skip("/proc/modules is not in this root."),
        };
    }

    private Result DeviceNode(bool? present, string path, RequirementStatus missing, string remedy) => present switch
    {
        true => Pass($"{path} exists."),
        false => new Result(missing, $"{path} does not exist.", remedy),
        null => Skip($"The root has no /dev (a capture?): {path} is unknown."),
    };

    private Result Tun() => DeviceNode(_cap.DevNetTun, "/dev/net/tun", RequirementStatus.Fail,
        "Load the tun module (modprobe tun); guests need it for tap networking.");

    private Result Cgroup(string controller)
    {
        var have = _cap.CgroupControllers;
        if (_cap.CgroupVersion is null || have is null) return Skip("Neither /sys/fs/cgroup/cgroup.controllers nor cgroup mounts are in this root.");
        if (_cap.CgroupVersion == 2)
        {
            // libvirt's v2 semantics: cpuacct is part of cpu, devices is a BPF program, blkio is io.
            switch (controller)
            {
                case "cpuacct": return Pass("cgroup v2: CPU accounting is always present.");
                case "devices": return Pass("cgroup v2: device access is controlled by a BPF program, not a controller.");
                case "blkio": controller = "io"; break;
            }
        }
        return have.Contains(controller)
            ? Pass($"cgroup v{_cap.CgroupVersion} controller '{controller}' is available.")
            : Warn($"cgroup v{_cap.CgroupVersion} controller '{controller}' is not available.",
                _cap.CgroupVersion == 2
                    ? $"Enable it in the kernel config (CONFIG_*) and in the parent's cgroup.subtree_control (\"+{controller}\")."
                    : $"Enable it in the kernel config and mount it (mount -t cgroup -o {controller} cgroup /sys/fs/cgroup/{controller}).");
    }

    private Result IommuFirmware()
    {
        var t = _cap.IommuFirmwareTable;
        return t switch
        {
            "DMAR" => Pass("ACPI DMAR table present (Intel VT-d)."),
            "IVRS" => Pass("ACPI IVRS table present (AMD-Vi)."),
            "IORT" => Pass("ACPI IORT table present (Arm SMMU / ITS)."),
            "RMAD" or "HiddenByXen" => Skip("Running as Xen Dom0: Xen owns the IOMMU and hides DMAR (renamed RMAD); use -Hypervisor Xen (XenIommu)."),
            "None" when Arch is "ppc64" or "ppc64le" => Pass("POWER hosts always have an IOMMU."),
            "None" when InGuest => Warn("No DMAR, IVRS or IORT table in /sys/firmware/acpi/tables: this virtual machine has no virtual IOMMU.",
                IommuAdvice.Enable(_facts)),
            "None" => Warn("No DMAR, IVRS or IORT table in /sys/firmware/acpi/tables: the IOMMU is disabled in the firmware or not supported.",
                IsIntel ? "Enable VT-d (\"Intel Virtualization Technology for Directed I/O\") in the BIOS/UEFI setup."
                : IsAmd ? "Enable the IOMMU (\"AMD-Vi\"/\"IOMMU\") in the BIOS/UEFI setup."
                : "Enable the IOMMU/SMMU in the firmware setup."),
            _ => Skip("/sys/firmware/acpi/tables is not in this root (or the platform has no ACPI)."),
        };
    }

    private Result IommuEnabled()
    {
        var n = _cap.IommuGroupCount;
        return _cap.IommuEnabled switch
        {
            true => Pass(n is > 0 ? $"The kernel uses the IOMMU: {n} IOMMU groups." : "The kernel uses the IOMMU (IOMMU units or iommu_group links exist)."),
            false when _cap.IsXenDom0 == true => Skip("Xen Dom0: the IOMMU belongs to Xen, Dom0 has no IOMMU groups; use -Hypervisor Xen."),
            false when n is null => Warn("/sys/kernel/iommu_groups does not exist: the kernel was built without IOMMU support.",
                "Use a kernel built with CONFIG_IOMMU_SUPPORT and the vendor driver (CONFIG_INTEL_IOMMU, CONFIG_AMD_IOMMU, CONFIG_ARM_SMMU_V3)."),
            false => Warn("No IOMMU groups in /sys/kernel/iommu_groups: the kernel does not use an IOMMU.", EnableIommuAdvice()),
            null => Skip("/sys/kernel/iommu_groups and /sys/class/iommu are not in this root."),
        };
    }

    private string EnableIommuAdvice() => IommuAdvice.Enable(_facts);

    private Result IommuKernelParameters()
    {
        if (!_facts.CommandLineKnown) return Skip("/proc/cmdline is not in this root.");
        var cmd = _facts.CommandLine;
        var shown = _cap.IommuKernelParameters is { Length: > 0 } p ? string.Join(' ', p) : "none";
        if (IsAmd)
        {
            var amd = cmd.Value("amd_iommu");
            if (amd == "on")
                return Warn($"{IommuAdvice.AmdOnIsInvalid}; IOMMU parameters: {shown}.",
                    "Remove amd_iommu=on: AMD-Vi is enabled by default when the firmware enables it. iommu=pt is optional.");
            if (amd == "off")
                return Warn("amd_iommu=off disables AMD-Vi.", "Remove amd_iommu=off from the kernel command line and reboot.");
            return Pass($"No AMD-Vi switch needed (on by default with firmware support); IOMMU parameters: {shown}.");
        }
        if (IsIntel)
        {
            var intel = cmd.Value("intel_iommu")?.Split(',') ?? Array.Empty<string>();
            if (intel.Contains("off"))
                return Warn("intel_iommu=off disables VT-d.", "Replace intel_iommu=off with intel_iommu=on and reboot.");
            if (intel.Contains("on")) return Pass($"intel_iommu=on is set; IOMMU parameters: {shown}.");
            return _cap.IommuEnabled switch
            {
                true => Pass($"intel_iommu=on is absent but the IOMMU is in use (kernels 6.8+ may enable it by default); IOMMU parameters: {shown}."),
                false => Warn("intel_iommu=on is absent and the IOMMU is not in use.",
                    "Add intel_iommu=on to the kernel command line and reboot (6.8+ kernels built with CONFIG_INTEL_IOMMU_DEFAULT_ON need nothing). iommu=pt is optional."),
                null => Skip($"intel_iommu=on is absent, which proves nothing: kernels 6.8+ may enable VT-d by default and IOMMU groups are not in this root. IOMMU parameters: {shown}."),
            };
        }
        return Pass($"IOMMU parameters: {shown}.");
    }

    private Result AcsOverride()
    {
        if (!_facts.CommandLineKnown) return Skip("/proc/cmdline is not in this root.");
        return _facts.CommandLine.Last("pcie_acs_override") is { } p
            ? Warn($"{p} fakes PCIe isolation (an out-of-tree patch): devices in the \"split\" groups can still reach each other by DMA.",
                "Prefer slots or hardware with real ACS isolation, and remove pcie_acs_override when you can.")
            : Pass("pcie_acs_override is not set: IOMMU groups reflect real isolation.");
    }

    private Result InterruptRemapping()
    {
        if (_cap.AllowUnsafeInterrupts == true)
            return Warn("vfio_iommu_type1 allow_unsafe_interrupts is on: the safety against MSI injection by assigned devices was switched off.",
                "Remove allow_unsafe_interrupts (options in /etc/modprobe.d or vfio_iommu_type1.allow_unsafe_interrupts on the cmdline) and use hardware with interrupt remapping.");
        return _cap.InterruptRemapping switch
        {
            true => Pass("The IOMMU remaps interrupts (VT-d ecap IR)."),
            false => Warn("Interrupt remapping is unavailable or disabled: VFIO refuses to attach groups (EPERM, \"No interrupt remapping support\").",
                InGuest
                    ? $"Ask {Outer} for a virtual IOMMU with interrupt remapping (QEMU: -device intel-iommu,intremap=on with a split irqchip) and remove intremap=off. Do not use allow_unsafe_interrupts."
                    : "Enable interrupt remapping (remove intremap=off; enable x2APIC/VT-d in the firmware). Do not use allow_unsafe_interrupts."),
            null => Skip("Unknown: the kernel shows interrupt remapping only for Intel IOMMU units (/sys/class/iommu/dmar*/intel-iommu/ecap)."),
        };
    }

    private Result VfioModules()
    {
        var loaded = _cap.VfioModulesLoaded;
        var builtin = _cap.VfioModulesBuiltin ?? Array.Empty<string>();
        var available = _cap.VfioModulesAvailable;
        if (loaded is null && _cap.VfioModulesBuiltin is null && available is null)
            return Skip("/proc/modules and /lib/modules are not in this root.");
        bool Usable(string m) => loaded?.Contains(m) == true || builtin.Contains(m);
        if (Usable("vfio") && Usable("vfio_pci"))
            return Pass($"vfio and vfio_pci are ready (loaded: {Join(loaded)}; built in: {Join(builtin)}).");
        if (available?.Contains("vfio_pci") == true)
            return Warn($"vfio-pci is installed but not loaded (loaded: {Join(loaded)}).",
                "Load it: modprobe vfio-pci (it pulls vfio and vfio_iommu_type1); Enable-VfioDevice does this when it binds a device.");
        if (available is not null)
            return Warn("vfio-pci is neither loaded, built in nor installed for this kernel.",
                "Install the kernel modules package that provides vfio-pci (CONFIG_VFIO_PCI) for this kernel.");
        return Skip($"vfio-pci is not loaded (loaded: {Join(loaded)}); modules.dep is not in this root, so whether it is installed is unknown.");
    }

    private static string Join(IEnumerable<string>? names) => names is null ? "unknown" : names.Any() ? string.Join(", ", names) : "none";

    private Result NestedVirtualization() => _cap.NestedVirtualization switch
    {
        true => Pass($"Nested virtualization is enabled ({_cap.KvmModule ?? "kvm"} nested)."),
        false => Warn("Nested virtualization is off (information: guests cannot run their own hypervisor).",
            $"If you need it: echo \"options {KvmModuleAdvice} nested=1\" > /etc/modprobe.d/kvm-nested.conf and reload {KvmModuleAdvice} with no VM running."),
        null => Skip("No kvm_intel/kvm_amd nested parameter in /sys/module (module not loaded, or not in this root)."),
    };

    private Result SecureGuest()
    {
        var cpu = _facts.Cpu;
        if (cpu is null) return Skip(CpuInfoMissing);
        if (cpu.Architecture is "s390x" or "s390")
        {
            var missing = new List<string>();
            if (!cpu.Facilities.Contains(158)) missing.Add("facility 158");
            if (_facts.S390Ultravisor != true) missing.Add("/sys/firmware/uv");
            if (_facts.CommandLine.Value("prot_virt") is not ("1" or "y" or "Y" or "on")) missing.Add("prot_virt=1 on the cmdline");
            return missing.Count == 0 ? Pass("IBM Secure Execution is available.")
                : Warn("IBM Secure Execution is not available: missing " + string.Join(", ", missing) + ".",
                    "Add prot_virt=1 to the kernel command line on hardware that supports Secure Execution (z15 and later).");
        }
        if (IsAmd)
        {
            if (!cpu.Flags.Contains("sev"))
                return InGuest
                    ? Warn("The CPU shows no sev flag: this virtual machine cannot host SEV guests.",
                        $"SEV guests need SEV from the host firmware, and {Outer} does not pass it to its guests: run SEV guests on the bare-metal host.")
                    : Warn("The CPU shows no sev flag: AMD SEV is unavailable or disabled in the firmware.", "Enable SEV (SME/SEV) in the BIOS/UEFI setup.");
            if (_facts.KvmAmdSevEnabled != true)
                return _facts.KvmAmdSevEnabled is null
                    ? Skip("The CPU has sev; /sys/module/kvm_amd/parameters/sev is not readable in this root.")
                    : Warn("kvm_amd has SEV disabled.", "Set options kvm_amd sev=1 in /etc/modprobe.d and reload kvm_amd.");
            return _facts.DevSev switch
            {
                true => Pass("AMD SEV is available (sev flag, kvm_amd sev=1, /dev/sev)."),
                false => Warn("/dev/sev does not exist.", "Load the ccp module (modprobe ccp) and check the SEV firmware."),
                null => Skip("The root has no /dev: /dev/sev is unknown."),
            };
        }
        if (IsIntel) return Skip("Unknown: Intel TDX is not checked (virt-host-validate cannot tell either).");
        return Skip($"No secure guest technology is checked on {Arch}.");
    }

    // ---- Xen Dom0 ----

    private Result XenHypervisor() => _cap.XenHypervisorType switch
    {
        "xen" => Pass($"Running on Xen {_cap.XenVersion ?? "(version unknown)"}."),
        { } other => Fail($"/sys/hypervisor/type is '{other}', not xen.", "Boot the Xen hypervisor (the Xen GRUB entry) with this kernel as Dom0."),
        null when _cap.IsXenDom0 == false || _facts.IsLiveRoot => Fail("Not running on Xen (/sys/hypervisor/type is absent).",
            "Install Xen (SUSE: the xen pattern / yast2 xen) and boot the Xen GRUB entry."),
        null => Skip("/sys/hypervisor is not in this root."),
    };

    private Result XenDom0() => _cap.IsXenDom0 switch
    {
        true => Pass("This is the Xen control domain (/proc/xen/capabilities: control_d)."),
        false when _cap.XenHypervisorType == "xen" => Fail("This is a Xen guest (DomU), not Dom0.", "Run VirtTools in Dom0 to manage pass-through."),
        false => Fail("This is not a Xen Dom0.", "Boot the Xen GRUB entry; this kernel then runs as Dom0."),
        null => Skip("/proc/xen/capabilities is not readable (mount xenfs on /proc/xen) or not in this root."),
    };

    private Result XenHvm()
    {
        var caps = _cap.XenCapabilities;
        if (caps is null) return Skip("/sys/hypervisor/properties/capabilities is not in this root.");
        return caps.Any(c => c.StartsWith("hvm-", StringComparison.Ordinal))
            ? Pass("Xen can run HVM guests (" + string.Join(' ', caps.Where(c => c.StartsWith("hvm-", StringComparison.Ordinal))) + ").")
            : Warn("Xen offers no hvm-* capability: only PV guests.", InGuest
                ? $"Xen runs nested here: {Outer} must expose VT-x/AMD-V to this virtual machine for HVM and PVH guests."
                : "Enable VT-x/AMD-V in the BIOS/UEFI; Xen needs it for HVM and PVH guests.");
    }

    private Result XenIommu()
    {
        if (XlVirtCaps() is { } caps)
        {
            return caps.Contains("hvm_directio") || caps.Contains("pv_directio")
                ? Pass("Xen reports device pass-through support (xl info virt_caps: " + string.Join(' ', caps) + ").")
                : Warn("Xen reports no *_directio in xl info virt_caps: the IOMMU is off for Xen.",
                    "Enable VT-d/AMD-Vi in the firmware and check the Xen command line (iommu=1 is the default; remove iommu=0).");
        }
        var seen = _cap.IommuFirmwareTable switch
        {
            "RMAD" => "the DMAR table is there, renamed RMAD by Xen (Xen owns VT-d)",
            "DMAR" => "a DMAR table is visible",
            "IVRS" => "an IVRS table is visible",
            _ => "Xen hides DMAR from Dom0, so a missing table proves nothing",
        };
        return Skip($"Ask Xen: `xl info` virt_caps shows hvm_directio when the IOMMU is on ({seen}).");
    }

    private string[]? XlVirtCaps()
    {
        if (_xlAsked) return _xlVirtCaps;
        _xlAsked = true;
        if (_runner is null || _cap.IsXenDom0 != true) return null;
        try
        {
            var r = _runner.Run("xl", new[] { "info" }, TimeSpan.FromSeconds(15));
            if (r.ExitCode != 0) return null;
            foreach (var line in r.StandardOutput.Split('\n'))
            {
                var colon = line.IndexOf(':');
                if (colon > 0 && line[..colon].Trim() == "virt_caps")
                    return _xlVirtCaps = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            }
        }
        catch (HostIOException) { /* xl not installed or timed out: the check says unknown */ }
        return null;
    }

    private Result XenPciback() => _facts.XenPcibackAvailable switch
    {
        true => Pass("xen-pciback (driver pciback) is available."),
        false => Warn("xen-pciback is neither loaded, built in nor installed.", "Install the kernel modules package that provides xen-pciback; then modprobe xen-pciback."),
        null => Skip(PcibackUnknown()),
    };

    /// <summary>Says exactly which sources were missing, so a live host is never told that its /sys is absent.</summary>
    private string PcibackUnknown()
    {
        var read = new List<string>();
        var missing = new List<string>();
        (_facts.PciDriversListed ? read : missing).Add("/sys/bus/pci/drivers");
        (_facts.Modules.Loaded is not null ? read : missing).Add("/proc/modules");
        (_facts.Modules.Builtin is not null ? read : missing).Add("modules.builtin");
        (_facts.Modules.Available is not null ? read : missing).Add("modules.dep");
        var where = _cap.KernelRelease is { } r ? $" (/lib/modules/{r})" : "";
        return $"xen-pciback is not loaded or registered (read {string.Join(", ", read)}), and whether it is built in or installed is unknown: " +
               $"{string.Join(", ", missing)}{where} {(missing.Count == 1 ? "is" : "are")} missing in this root.";
    }
}
