using System.Text.RegularExpressions;

namespace VirtTools.Capability;

/// <summary>
/// The judgements <see cref="CapabilityReader"/> draws from what it read: pure functions of text,
/// flags and command-line parameters, so each rule can be checked without a host root.
/// </summary>
internal static class CapabilityRules
{
    internal static bool? ParseBool(string? v) => v?.Trim() switch
    {
        "Y" or "y" or "1" or "on" or "yes" => true,
        "N" or "n" or "0" or "off" or "no" => false,
        _ => null,
    };

    internal static string? ReleaseFromVersion(string? version) =>
        version is not null && Regex.Match(version, @"^Linux version (\S+)") is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>The names <paramref name="test"/> says true of; null when it knows none of them.</summary>
    internal static string[]? Subset(string[] names, Func<string, bool?> test)
    {
        // Plain loops: LINQ over (string, bool?) tuples is generic code over framework value types,
        // which no ReadyToRun image holds, so Get-VHSCapability's first call would JIT it (issue 22).
        var known = false;
        var yes = new List<string>(names.Length);
        foreach (var n in names)
        {
            var v = test(n);
            known |= v is not null;
            if (v == true) yes.Add(n);
        }
        return known ? yes.ToArray() : null;
    }

    /// <summary>DMI names that only virtual platforms use (bare-metal cloud hosts such as "Amazon EC2" are left out).</summary>
    internal static string? DmiHypervisor(string? vendor, string? product)
    {
        var v = vendor ?? "";
        var p = product ?? "";
        bool Has(string s, string what) => s.Contains(what, StringComparison.OrdinalIgnoreCase);
        if (Has(p, "KVM") || Has(v, "KVM")) return "KVM";
        if (Has(v, "QEMU") || Has(p, "QEMU")) return "QEMU";
        if (Has(v, "VMware") || Has(p, "VMware")) return "VMware";
        if (Has(v, "Microsoft Corporation") && Has(p, "Virtual Machine")) return "Microsoft Hyper-V";
        if (Has(v, "Xen") || Has(p, "HVM domU")) return "Xen";
        if (Has(v, "innotek") || Has(p, "VirtualBox")) return "VirtualBox";
        if (Has(v, "Parallels") || Has(p, "Parallels")) return "Parallels";
        if (Has(v, "BHYVE") || Has(p, "BHYVE")) return "bhyve";
        if (Has(p, "Google Compute Engine")) return "Google Compute Engine";
        if (Has(p, "Nutanix AHV")) return "Nutanix AHV";
        if (Has(v, "OpenStack") || Has(p, "OpenStack")) return "OpenStack";
        return null;
    }

    internal static string? IommuParameter(KernelCommandLine cmdline, string name)
    {
        var all = cmdline.All(name).ToArray();
        if (all.Length == 0) return null;
        // iommu= is an early_param that handles every occurrence (iommu=pt iommu=1 = iommu=pt,1); the rest keep the last.
        if (name == "iommu" && all.Length > 1)
            return "iommu=" + string.Join(',', all.Select(p => p.Value).Where(v => !string.IsNullOrEmpty(v)));
        return all[^1].ToString();
    }

    internal static string? SecureGuest(CpuInfo? cpu, bool? kvmAmdSev, bool? devSev, bool? uv, KernelCommandLine cmdline)
    {
        if (cpu is null) return null;
        if (cpu.Architecture is "s390x" or "s390")
        {
            var protVirt = ParseBool(cmdline.Value("prot_virt"));
            return cpu.Facilities.Contains(158) && uv == true && protVirt == true ? "IBM-SecureExecution"
                : cpu.Facilities.Count > 0 && !cpu.Facilities.Contains(158) ? "None" : null;
        }
        if (cpu.Vendor == "AuthenticAMD")
        {
            if (!cpu.Flags.Contains("sev")) return "None";
            return kvmAmdSev == true && devSev == true ? "AMD-SEV" : kvmAmdSev == false || devSev == false ? "None" : null;
        }
        return null;
    }

    internal static (string[]?, string[]?) Modes(string? hw, string? arch, bool? kvmDev, bool? pvm, bool? dom0, string[]? xenCaps)
    {
        // Xen keeps VMX/SVM root mode for itself, so a working /dev/kvm rules out being Dom0.
        if (kvmDev == true && pvm != true) dom0 ??= false;
        bool? kvm;
        if (dom0 == true || kvmDev == false || pvm == true) kvm = false;
        else if (kvmDev == true) kvm = hw is "vmx" or "svm" or "sie" || hw is null && arch is not null ? true : null;
        else kvm = hw == "None" ? false : null;
        var xenHvm = dom0 == true && xenCaps?.Any(c => c.StartsWith("hvm-", StringComparison.Ordinal)) == true;
        var xenPv = dom0 == true && xenCaps?.Any(c => c.StartsWith("xen-", StringComparison.Ordinal)) == true;

        var hypervisors = new List<string>();
        if (kvm == true) hypervisors.Add("KVM");
        if (dom0 == true) hypervisors.Add("Xen");
        var modes = new List<string>();
        if (kvm == true || xenHvm) modes.Add("FV");
        if (xenPv) modes.Add("PV");
        if (kvm == true || xenHvm) modes.Add("PVHVM");
        if (kvmDev == true && pvm == true) modes.Add("PVM");
        var unknown = kvm is null || dom0 is null;
        return (hypervisors.Count == 0 && unknown ? null : hypervisors.ToArray(),
                modes.Count == 0 && unknown ? null : modes.ToArray());
    }

    /// <summary>Trimmed content, or null when missing or empty.</summary>
    internal static string? Trimmed(string? raw) => raw?.Trim('\0', ' ', '\n', '\r', '\t') is { Length: > 0 } t ? t : null;
}
