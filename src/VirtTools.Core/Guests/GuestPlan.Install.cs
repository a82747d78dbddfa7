using System.Xml.Linq;
using VirtTools.Provisioning;

namespace VirtTools.Guests;

/// <summary>
/// The install boot of -InstallSource: the tree's kernel and initrd uploaded into the pool as two raw volumes,
/// booted once from <see cref="BootXml"/> (a transient start: on reboot the guest stops, and its next start is
/// the persistent definition's, from disk), then deleted.
/// </summary>
public sealed record InstallBoot(InstallTree Tree, string Pool, string KernelVolume, string KernelPath, string InitrdVolume, string InitrdPath,
    string CommandLine, string BootXml)
{
    /// <summary>The boot XML for the defined guest: its UUID (so libvirt runs it as that guest; null before it is defined) and every stop a stop.</summary>
    public string BootXmlFor(Guid? uuid)
    {
        var d = XDocument.Parse(BootXml).Root!;
        if (uuid is { } u) d.Element("name")!.AddAfterSelf(new XElement("uuid", u.ToString("D")));
        // The installer's reboot ends the install boot; what boots next is the definition, from the installed disk.
        d.Element("devices")!.AddBeforeSelf(
            new XElement("on_poweroff", "destroy"), new XElement("on_reboot", "destroy"), new XElement("on_crash", "destroy"));
        return d.ToString();
    }
}

public sealed partial class GuestPlan
{
    public InstallBoot? Install { get; init; }
    /// <summary>What Create could not tidy after the guest was made (a kernel volume it could not delete).</summary>
    public List<string> CreateWarnings { get; } = new();

    private void DescribeInstall(List<string> parts)
    {
        if (Install is not { } i) return;
        var t = i.Tree;
        parts.Add($"install boot of the {InstallTree.Name(t.Flavor)} tree {t.Location}: {t.KernelPath} ({Size(t.KernelBytes)}) and {t.InitrdPath} ({Size(t.InitrdBytes)}) " +
                  $"fetched and uploaded as {i.KernelPath} and {i.InitrdPath} in pool '{i.Pool}' (deleted once the install boot started), " +
                  $"booted once with '{i.CommandLine}', then from disk");
    }

    private static string Size(long bytes) => bytes < 0 ? "size unknown" : bytes >= 1L << 20 ? $"{bytes >> 20} MiB" : $"{bytes >> 10} KiB";
}
