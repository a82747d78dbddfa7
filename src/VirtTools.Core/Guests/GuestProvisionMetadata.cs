using System.Xml.Linq;

namespace VirtTools.Guests;

/// <summary>
/// What New-VMGuest made for a guest besides its disks, kept in the domain's &lt;metadata&gt; so
/// Remove-VMGuest -RemoveStorage knows it: the cloud-init seed ISO, a CD that would otherwise be left
/// in place as any CD's image is.
/// </summary>
public static class GuestProvisionMetadata
{
    public static readonly XNamespace Ns = "https://virttools.dev/xmlns/provision/1";

    public static XElement? Element(GuestSpec s) => s.SeedIsoPath is not { } seed ? null
        : new XElement("metadata",
            new XElement(Ns + "provision", new XAttribute(XNamespace.Xmlns + "virttools", Ns.NamespaceName),
                new XElement(Ns + "seed", new XAttribute("path", seed))));

    /// <summary>The seed ISOs a domain XML names as New-VMGuest's own.</summary>
    public static IEnumerable<string> SeedPaths(string domainXml) =>
        XDocument.Parse(domainXml).Root?.Element("metadata")?.Elements(Ns + "provision").Elements(Ns + "seed")
            .Select(e => (string?)e.Attribute("path")).OfType<string>() ?? Enumerable.Empty<string>();
}
