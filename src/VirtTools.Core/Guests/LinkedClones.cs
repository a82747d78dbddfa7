using System.Xml.Linq;
using VirtTools.Libvirt;

namespace VirtTools.Guests;

/// <summary>A guest whose disk is a qcow2 overlay on another guest's disk (Copy-VMGuest -Linked).</summary>
public sealed record LinkedCloneDisk(string CloneName, string Target, string Overlay, string Base);

/// <summary>
/// The record Copy-VMGuest -Linked writes into a clone's definition (its own metadata namespace, which
/// libvirt keeps as given), and the lookups that protect the base: QEMU locks images only while they
/// are open, so nothing stops the source from writing to a base while its clones are shut off, and
/// every clone is corrupt after that. Start-VMGuest and Remove-VMGuest -RemoveStorage ask here first.
/// </summary>
public static class LinkedClones
{
    public static readonly XNamespace Ns = "https://virttools.dev/xmlns/linked-clone/1";

    /// <summary>The metadata element for a clone of <paramref name="source"/> whose disks back onto <paramref name="disks"/>.</summary>
    public static XElement Record(string source, Guid sourceUuid, IEnumerable<(string Target, string Overlay, string Base)> disks) =>
        new(Ns + "clone",
            new XAttribute(XNamespace.Xmlns + "vt", Ns.NamespaceName),
            new XAttribute("source", source), new XAttribute("sourceUuid", sourceUuid),
            disks.Select(d => new XElement(Ns + "disk", new XAttribute("target", d.Target),
                new XAttribute("overlay", d.Overlay), new XAttribute("base", d.Base))));

    /// <summary>What a domain definition records of its own overlays.</summary>
    public static IReadOnlyList<LinkedCloneDisk> Read(string domainXml)
    {
        var root = XDocument.Parse(domainXml).Root!;
        var name = (string?)root.Element("name") ?? "";
        return root.Element("metadata")?.Elements(Ns + "clone").Elements(Ns + "disk")
            .Select(d => new LinkedCloneDisk(name, (string?)d.Attribute("target") ?? "", (string?)d.Attribute("overlay") ?? "", (string?)d.Attribute("base") ?? ""))
            .Where(d => d.Base.Length > 0)
            .ToList() ?? (IReadOnlyList<LinkedCloneDisk>)Array.Empty<LinkedCloneDisk>();
    }

    /// <summary>The other guests on <paramref name="c"/> with an overlay on one of <paramref name="guest"/>'s disks.</summary>
    public static IReadOnlyList<LinkedCloneDisk> DependentsOf(ILibvirtConnection c, ILibvirtDomain guest)
    {
        var own = DiskPaths(c, guest.GetXml(DomainXmlFlags.Inactive));
        if (own.Count == 0) return Array.Empty<LinkedCloneDisk>();
        var found = new List<LinkedCloneDisk>();
        foreach (var d in c.ListDomains())
            using (d)
            {
                if (d.Uuid == guest.Uuid) continue;
                string xml;
                try { xml = d.GetXml(DomainXmlFlags.Inactive); }
                catch (LibvirtException e) when (e.Code == ErrorCodes.NoDomain) { continue; }
                found.AddRange(Read(xml).Where(l => own.Contains(l.Base)));
            }
        return found;
    }

    /// <summary>The files behind a definition's disks (not its media): a pool volume's by asking its pool, as clones record paths.</summary>
    private static HashSet<string> DiskPaths(ILibvirtConnection c, string xml)
    {
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var disk in XDocument.Parse(xml).Root!.Element("devices")?.Elements("disk") ?? [])
        {
            if (((string?)disk.Attribute("device") ?? "disk") != "disk" || disk.Element("source") is not { } s) continue;
            if (((string?)s.Attribute("file") ?? (string?)s.Attribute("dev")) is { } path) paths.Add(path);
            else if ((string?)s.Attribute("pool") is { } pool && (string?)s.Attribute("volume") is { } volume)
            {
                using var p = c.FindStoragePool(pool);
                using var v = p?.FindVolume(volume);
                if (v is not null) paths.Add(v.Path);
            }
        }
        return paths;
    }

    /// <summary>Refuses to let <paramref name="guest"/> write to (or lose) disks its linked clones are built on.</summary>
    public static void EnsureNotABase(ILibvirtConnection c, ILibvirtDomain guest, string refusal, string whatToDo)
    {
        var clones = DependentsOf(c, guest);
        if (clones.Count == 0) return;
        var names = string.Join(", ", clones.Select(l => l.CloneName).Distinct().Select(n => $"'{n}'"));
        var disks = string.Join(", ", clones.Select(l => l.Base).Distinct());
        throw new VirtToolsException("LinkedCloneBase", FailureKind.ResourceBusy,
            $"Guest '{guest.Name}' is the base of linked clone(s) {names}: their disks are overlays on {disks}. {refusal}",
            guest.Name, whatToDo + " " + $"Remove the clones first (Remove-VMGuest {clones[0].CloneName} -RemoveStorage), or keep '{guest.Name}' as a read-only template.");
    }
}
