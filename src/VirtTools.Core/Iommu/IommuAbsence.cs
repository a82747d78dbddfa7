using VirtTools.Capability;
using VirtTools.Host;
using VirtTools.Requirements;

namespace VirtTools.Iommu;

/// <summary>
/// Why there is no IOMMU group, said honestly: an empty root read nothing, a capture that did not
/// record /sys/kernel/iommu_groups does not show the groups, and only a host that shows them absent
/// has its IOMMU off (with the advice that fits its CPU vendor and whether it is a VM).
/// </summary>
public static class IommuAbsence
{
    /// <param name="what">The start of the sentence ("This host has no IOMMU groups").</param>
    public static (string Message, string RecommendedAction) Explain(HostContext host, string what)
    {
        var fs = host.Files;
        if (CapabilityReader.IsEmptyRoot(fs))
            return ($"{what}: the root {fs.Root} holds neither sys/ nor proc/, so nothing could be read.",
                $"Point {HostContext.RootVariable} at the top of the capture (the directory that holds sys/ and proc/).");
        HostFacts? facts = null;
        try { facts = CapabilityReader.For(host).ReadFacts(); }
        catch (Exception e) when (e is HostIOException or VirtToolsException) { }
        var cmdline = facts?.CommandLine ?? KernelCommandLine.Parse(null);
        if (!host.IsLiveRoot && !fs.DirectoryExists(IommuGroupReader.GroupsDir) && AskedFor(cmdline) is { } asked)
            return ($"{what}: this capture does not hold the IOMMU groups (/sys/kernel/iommu_groups was not recorded), " +
                    $"although its kernel command line asks for the IOMMU ({asked}). The groups are unknown, not absent.",
                "Capture /sys/kernel/iommu_groups with its symlinks as well (supportconfig and sosreport keep it), or run VirtTools on the host itself.");
        return ($"{what}: the IOMMU is off or absent, so no device can be passed through with VFIO.",
            facts is null ? IommuAdvice.Enable(null, cmdline, null, null) : IommuAdvice.Enable(facts));
    }

    /// <summary>The parameters that turn the IOMMU on or use it, as written; null when none does.</summary>
    public static string? AskedFor(KernelCommandLine cmdline)
    {
        var found = new List<string>();
        if (cmdline.Value("intel_iommu")?.Split(',').Contains("on") == true) found.Add(cmdline.Last("intel_iommu")!.ToString());
        if (cmdline.Value("iommu") is "pt" or "on" or "force" or "1") found.Add(cmdline.Last("iommu")!.ToString());
        if (cmdline.Last("iommu.passthrough") is { } p) found.Add(p.ToString());
        if (cmdline.Last("vfio-pci.ids") is { } ids) found.Add(ids.ToString());
        return found.Count == 0 ? null : string.Join(" ", found);
    }
}
