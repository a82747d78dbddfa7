using System.Xml.Linq;
using VirtTools.Libvirt;

namespace VirtTools.Guests;

/// <summary>
/// Who holds an image QEMU refused to open: QEMU's lock error names the file but not the guest, and a
/// linked clone and its base lock each other out (the clone reads the base, the base writes it).
/// </summary>
public static class ImageLocks
{
    /// <summary>The running guests whose disks or backing chains share a file with <paramref name="d"/>'s, when <paramref name="failure"/> is QEMU's lock refusal; else none.</summary>
    public static IReadOnlyList<string> Holders(ILibvirtConnection c, ILibvirtDomain d, LibvirtException failure)
    {
        if (!failure.LibvirtMessage.Contains("lock", StringComparison.OrdinalIgnoreCase)) return Array.Empty<string>();
        var mine = Files(d.GetXml(DomainXmlFlags.Inactive));
        mine.UnionWith(LinkedClones.Read(d.GetXml(DomainXmlFlags.Inactive)).Select(l => l.Base));
        var holders = new List<string>();
        foreach (var other in c.ListDomains(DomainListFlags.Active))
            using (other)
            {
                if (other.Uuid == d.Uuid) continue;
                try
                {
                    if (Files(other.GetXml()).Overlaps(mine)) holders.Add(other.Name);
                }
                catch (LibvirtException e) when (e.Code == ErrorCodes.NoDomain) { }
            }
        return holders;
    }

    /// <summary>Every file a definition opens: disk sources and, in a running guest's XML, their backing chains.</summary>
    private static HashSet<string> Files(string xml) =>
        XDocument.Parse(xml).Root!.Element("devices")?.Elements("disk")
            .SelectMany(disk => disk.DescendantsAndSelf().Elements("source"))
            .Select(s => (string?)s.Attribute("file") ?? (string?)s.Attribute("dev"))
            .OfType<string>().ToHashSet(StringComparer.Ordinal) ?? new HashSet<string>(StringComparer.Ordinal);
}
