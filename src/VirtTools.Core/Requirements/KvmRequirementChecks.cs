using VirtTools.Capability;
using Result = VirtTools.Requirements.RequirementResult;

namespace VirtTools.Requirements;

/// <summary>virt-host-validate's qemu checks (KVM device, vhost-net, tun, cgroups), nested virtualization and secure guests.</summary>
internal sealed class KvmRequirementChecks : RequirementChecks
{
    public KvmRequirementChecks(HostFacts facts) : base(facts) { }

    internal Result HardwareVirtualization()
    {
        var hw = _cap.HardwareVirtualization;
        if (_facts.Cpu is null) return Skip(CpuInfoMissing);
        var guest = _cap.IsVirtualMachine == true ? " (in a virtual machine: nested virtualization)" : "";
        return hw switch
        {
            "vmx" => Pass("Intel VT-x (vmx flag)" + guest + "."),
            "svm" => Pass("AMD-V (svm flag)" + guest + "."),
            "sie" => Pass("s390 SIE (sie feature)" + guest + "."),
            "None" when _cap.KvmPvm == true => Fail($"No hardware virtualization flag in /proc/cpuinfo ({Arch}); the kvm_pvm module that is loaded is not hardware virtualization.",
                NoHardwareRemedy),
            "None" => Fail($"No hardware virtualization flag in /proc/cpuinfo ({Arch}); only slow emulation (TCG) is possible.",
                _cap.IsVirtualMachine == true
                    ? "Enable nested virtualization on the outer hypervisor (expose vmx/svm to this VM)."
                    : "Enable Intel VT-x / AMD-V (SVM) in the BIOS/UEFI setup, then cold-boot."),
            _ when Arch is "ppc64" or "ppc64le" => Pass("POWER: KVM-HV availability is shown by the kvm_hv module (see PowerPcKvmModule)."),
            _ => Skip($"/proc/cpuinfo on {Arch} does not show hardware virtualization; /dev/kvm (KvmDevice) is the evidence."),
        };
    }

    internal Result KvmDevice()
    {
        if (_cap.HardwareVirtualization == "None" && _cap.KvmPvm != true)
            return Skip("Not checked: no hardware virtualization (see HardwareVirtualization).");
        if (_cap.KvmPvm == true)
        {
            var story = GuestAcceleration.Of(_cap).Story;
            return _cap.KvmDevicePresent switch
            {
                true => Warn(story, PvmRemedy),
                // Not modprobe kvm_amd: without svm/vmx it cannot load, and kvm_pvm is what is loaded.
                false => Fail(story, "New-VMGuest picks -Hypervisor QEMU here. " + NoHardwareRemedy),
                null => Skip("The root has no /dev (a capture?): /dev/kvm is unknown."),
            };
        }
        return _cap.KvmDevicePresent switch
        {
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

    internal Result KvmDeviceAccess()
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

    internal Result KvmPvm() => _cap.KvmPvm switch
    {
        true => Warn("kvm_pvm is loaded: only PVM-enabled guest kernels can run with KVM; a stock kernel fails (\"failed to set MSR 0x10a\", emulation failures)"
                + (_cap.KvmDevicePresent == false ? ", and here it has not even created /dev/kvm." : "."),
            PvmRemedy),
        false => Pass("kvm_pvm is not loaded."),
        null => Skip("/proc/modules and /sys/module are not in this root."),
    };

    /// <summary>Says how guests will run, so that an admin sees "emulation" before a guest crawls.</summary>
    internal Result Acceleration()
    {
        var (kind, story) = GuestAcceleration.Of(_cap);
        return kind switch
        {
            AccelerationKind.HardwareKvm => Pass(story),
            AccelerationKind.PvmOnly => Warn(story, PvmRemedy),
            AccelerationKind.Emulation => Warn(story, "New-VMGuest picks -Hypervisor QEMU here. " + NoHardwareRemedy),
            AccelerationKind.Xen => Skip(story + " See the Xen checks (-Hypervisor Xen)."),
            _ => Skip(story),
        };
    }

    private const string PvmRemedy = "Run PVM-enabled guest kernels with -Hypervisor KVM and every other guest with -Hypervisor QEMU, "
        + "or unload kvm_pvm and use kvm_intel/kvm_amd on hardware with VT-x/AMD-V.";

    private string NoHardwareRemedy => InGuest
        ? $"For hardware KVM, {Outer} must expose VT-x/AMD-V to this virtual machine (nested virtualization)."
        : "For hardware KVM, enable Intel VT-x / AMD-V (SVM) in the BIOS/UEFI setup, then cold-boot.";

    internal Result PowerPcKvmModule()
    {
        if (Arch is not ("ppc64" or "ppc64le")) return Skip($"Only for POWER hosts (this one is {Arch}).");
        return _facts.Modules.IsLoaded("kvm_hv") switch
        {
            true => Pass("kvm_hv is loaded."),
            false => Warn("kvm_hv is not loaded.", "Load it: modprobe kvm_hv."),
            null => Skip("/proc/modules is not in this root."),
        };
    }

    internal Result DeviceNode(bool? present, string path, RequirementStatus missing, string remedy) => present switch
    {
        true => Pass($"{path} exists."),
        false => new Result(missing, $"{path} does not exist.", remedy),
        null => Skip($"The root has no /dev (a capture?): {path} is unknown."),
    };

    internal Result Tun() => DeviceNode(_cap.DevNetTun, "/dev/net/tun", RequirementStatus.Fail,
        "Load the tun module (modprobe tun); guests need it for tap networking.");

    internal Result Cgroup(string controller)
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

    internal Result NestedVirtualization() => _cap.NestedVirtualization switch
    {
        true => Pass($"Nested virtualization is enabled ({_cap.KvmModule ?? "kvm"} nested)."),
        false => Warn("Nested virtualization is off (information: guests cannot run their own hypervisor).",
            $"If you need it: echo \"options {KvmModuleAdvice} nested=1\" > /etc/modprobe.d/kvm-nested.conf and reload {KvmModuleAdvice} with no VM running."),
        null => Skip("No kvm_intel/kvm_amd nested parameter in /sys/module (module not loaded, or not in this root)."),
    };

    internal Result SecureGuest()
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
}
