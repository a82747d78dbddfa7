using VirtTools.Capability;
using Result = VirtTools.Requirements.RequirementResult;

namespace VirtTools.Requirements;

/// <summary>The IOMMU and VFIO checks virt-host-validate lacks, with vendor-correct advice.</summary>
internal sealed class IommuRequirementChecks : RequirementChecks
{
    public IommuRequirementChecks(HostFacts facts) : base(facts) { }

    internal Result IommuFirmware()
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

    internal Result IommuEnabled()
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

    internal Result IommuKernelParameters()
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

    internal Result AcsOverride()
    {
        if (!_facts.CommandLineKnown) return Skip("/proc/cmdline is not in this root.");
        return _facts.CommandLine.Last("pcie_acs_override") is { } p
            ? Warn($"{p} fakes PCIe isolation (an out-of-tree patch): devices in the \"split\" groups can still reach each other by DMA.",
                "Prefer slots or hardware with real ACS isolation, and remove pcie_acs_override when you can.")
            : Pass("pcie_acs_override is not set: IOMMU groups reflect real isolation.");
    }

    internal Result InterruptRemapping()
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

    internal Result VfioModules()
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
}
