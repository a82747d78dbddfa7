using VirtTools.Capability;
using VirtTools.Host;
using Result = VirtTools.Requirements.RequirementResult;

namespace VirtTools.Requirements;

/// <summary>The checks of a Xen Dom0: the hypervisor, HVM, the IOMMU as Xen sees it (`xl info`), xen-pciback.</summary>
internal sealed class XenRequirementChecks : RequirementChecks
{
    private readonly IProcessRunner? _runner;
    private string[]? _xlVirtCaps;
    private bool _xlAsked;

    /// <param name="runner">Used only on the live root, for `xl info` on a Xen Dom0; null skips it.</param>
    public XenRequirementChecks(HostFacts facts, IProcessRunner? runner) : base(facts)
    {
        _runner = facts.IsLiveRoot ? runner : null;
    }

    internal Result XenHypervisor() => _cap.XenHypervisorType switch
    {
        "xen" => Pass($"Running on Xen {_cap.XenVersion ?? "(version unknown)"}."),
        { } other => Fail($"/sys/hypervisor/type is '{other}', not xen.", "Boot the Xen hypervisor (the Xen GRUB entry) with this kernel as Dom0."),
        null when _cap.IsXenDom0 == false || _facts.IsLiveRoot => Fail("Not running on Xen (/sys/hypervisor/type is absent).",
            "Install Xen (SUSE: the xen pattern / yast2 xen) and boot the Xen GRUB entry."),
        null => Skip("/sys/hypervisor is not in this root."),
    };

    internal Result XenDom0() => _cap.IsXenDom0 switch
    {
        true => Pass("This is the Xen control domain (/proc/xen/capabilities: control_d)."),
        false when _cap.XenHypervisorType == "xen" => Fail("This is a Xen guest (DomU), not Dom0.", "Run VirtTools in Dom0 to manage pass-through."),
        false => Fail("This is not a Xen Dom0.", "Boot the Xen GRUB entry; this kernel then runs as Dom0."),
        null => Skip("/proc/xen/capabilities is not readable (mount xenfs on /proc/xen) or not in this root."),
    };

    internal Result XenHvm()
    {
        var caps = _cap.XenCapabilities;
        if (caps is null) return Skip("/sys/hypervisor/properties/capabilities is not in this root.");
        return caps.Any(c => c.StartsWith("hvm-", StringComparison.Ordinal))
            ? Pass("Xen can run HVM guests (" + string.Join(' ', caps.Where(c => c.StartsWith("hvm-", StringComparison.Ordinal))) + ").")
            : Warn("Xen offers no hvm-* capability: only PV guests.", InGuest
                ? $"Xen runs nested here: {Outer} must expose VT-x/AMD-V to this virtual machine for HVM and PVH guests."
                : "Enable VT-x/AMD-V in the BIOS/UEFI; Xen needs it for HVM and PVH guests.");
    }

    internal Result XenIommu()
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

    internal Result XenPciback() => _facts.XenPcibackAvailable switch
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
