using VirtTools.Capability;
using VirtTools.Host;
using VirtTools.Requirements;

namespace VirtTools.HostConfig;

/// <summary>
/// The kernel parameters that switch the IOMMU on for this CPU vendor, as a change of the next boot:
/// intel_iommu=on on Intel (an "off" in its list becomes "on", other options stay), nothing on AMD
/// (an amd_iommu=off is removed; an amd_iommu=on is reported, as it is not a kernel value), and
/// iommu=pt only when asked for.
/// </summary>
public static class IommuEnabler
{
    public static ConfigChangeSet Plan(HostContext host, bool passThrough)
    {
        string? vendor;
        try { vendor = CpuInfo.Parse(host.Files.ReadAllText("/proc/cpuinfo")).Vendor; }
        catch (HostIOException e)
        {
            throw new VirtToolsException("CpuVendorUnknown", FailureKind.ObjectNotFound,
                $"/proc/cpuinfo cannot be read ({e.Message}), so the IOMMU parameter for this CPU is unknown. Nothing was written.",
                "/proc/cpuinfo", "Use Set-VHSKernelParameter -Name intel_iommu -Value on on Intel; AMD needs no parameter.", e);
        }
        var config = new KernelParameterConfig(host);
        var configured = config.Configured().Select(c => c.Parameter).ToList();
        var edits = new List<KernelParameterConfig.Edit>();
        var notes = new List<string>();
        var warnings = new List<string>();
        string? Last(string name) => configured.LastOrDefault(p => KernelCommandLine.NameEquals(p.Name, name))?.Value;

        if (IommuAdvice.IsIntel(vendor))
        {
            var current = Last("intel_iommu");
            var options = current?.Split(',').ToList() ?? new List<string>();
            if (options.Contains("on"))
                notes.Add($"intel_iommu={current} is already configured.");
            else
            {
                var i = options.IndexOf("off");
                if (i >= 0) options[i] = "on"; else options.Insert(0, "on");
                edits.Add(new("intel_iommu", string.Join(',', options)));
            }
            notes.Add("Intel VT-d: " + IommuAdvice.IntelDefaultOn + ".");
        }
        else if (IommuAdvice.IsAmd(vendor))
        {
            notes.Add("AMD-Vi is on by default when the firmware enables it: no kernel parameter is needed.");
            foreach (var p in configured.Where(p => KernelCommandLine.NameEquals(p.Name, "amd_iommu")))
            {
                var options = p.Value?.Split(',') ?? Array.Empty<string>();
                if (options.Contains("on"))
                    warnings.Add(IommuAdvice.AmdOnIsInvalid + "; remove it with Remove-VHSKernelParameter -Name amd_iommu -Value on.");
                if (options.Contains("off"))
                    edits.Add(new("amd_iommu", p.Value, Remove: true));
            }
        }
        else
            notes.Add($"No kernel parameter switches the IOMMU on for CPU vendor '{vendor ?? "unknown"}': enable it in the firmware.");

        if (passThrough)
        {
            if (Last("iommu") == "pt") notes.Add("iommu=pt is already configured.");
            else edits.Add(new("iommu", "pt"));
        }
        var set = edits.Count > 0 ? config.Plan(edits) : new ConfigChangeSet();
        set.Notes.InsertRange(0, notes);
        set.Warnings.AddRange(warnings);
        return set;
    }
}
