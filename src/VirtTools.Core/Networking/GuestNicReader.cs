using System.Xml.Linq;
using VirtTools.Libvirt;

namespace VirtTools.Networking;

/// <summary>Reads a guest's NICs from its domain XML and makes <see cref="VMGuestNetworkAdapter"/> objects of them.</summary>
public static class GuestNicReader
{
    public static IReadOnlyList<GuestNic> Read(string domainXml) =>
        Read(XDocument.Parse(domainXml).Root ?? throw new FormatException("empty domain XML"));

    public static IReadOnlyList<GuestNic> Read(XElement domain) =>
        (domain.Element("devices")?.Elements("interface") ?? Enumerable.Empty<XElement>()).Select(Nic).ToList();

    private static GuestNic Nic(XElement i)
    {
        var type = (string?)i.Attribute("type") ?? "";
        var mac = ((string?)i.Element("mac")?.Attribute("address"))?.ToLowerInvariant();
        var link = (string?)i.Element("link")?.Attribute("state") == "down" ? "Down" : "Up";
        return new GuestNic(type, SourceOf(i, type), (string?)i.Element("model")?.Attribute("type"), mac, link,
            (string?)i.Element("target")?.Attribute("dev"), i);
    }

    /// <summary>What the NIC is plugged into, in the words of its type (formatdomain's interface sources).</summary>
    public static string? SourceOf(XElement i, string type)
    {
        var s = i.Element("source");
        string? A(string name) => (string?)s?.Attribute(name);
        return type switch
        {
            "network" => A("network"),
            "bridge" => A("bridge"),
            "direct" => A("dev"),
            "vhostuser" => A("path"),
            "hostdev" => s?.Element("address") is { } a
                ? $"{(string?)a.Attribute("domain") ?? "0x0000"}:{(string?)a.Attribute("bus")}:{(string?)a.Attribute("slot")}.{(string?)a.Attribute("function")}"
                    .Replace("0x", "", StringComparison.Ordinal)
                : null,
            "ethernet" => (string?)i.Element("target")?.Attribute("dev"),
            "server" or "client" or "mcast" or "udp" => A("address") is { } addr ? $"{addr}:{A("port")}" : null,
            _ => A("network") ?? A("bridge") ?? A("dev") ?? A("path"),
        };
    }

    /// <summary>
    /// The NICs of a guest: the running guest's when it runs (with addresses, see
    /// <see cref="GuestAddressLookup"/>), its definition's when shut off (no addresses).
    /// </summary>
    public static IReadOnlyList<VMGuestNetworkAdapter> Adapters(ILibvirtDomain d, string connectionUri, ICollection<string>? notes = null)
    {
        var active = d.IsActive;
        var root = XDocument.Parse(d.GetXml(active ? DomainXmlFlags.None : DomainXmlFlags.Inactive)).Root!;
        var nics = Read(root);
        var addresses = active && nics.Count > 0
            ? GuestAddressLookup.Find(d, nics, GuestAddressLookup.AgentConnected(root), notes)
            : new Dictionary<string, List<VMGuestIPAddress>>();
        var name = d.Name;
        return nics.Select(n => new VMGuestNetworkAdapter
        {
            Guest = name,
            MacAddress = n.MacAddress ?? "",
            Type = n.Type,
            Source = n.Source,
            Model = n.Model,
            LinkState = n.LinkState,
            Device = active ? n.Device : null,
            IPAddresses = n.MacAddress is { } m && addresses.TryGetValue(m, out var a) ? a.ToArray() : Array.Empty<VMGuestIPAddress>(),
            ConnectionUri = connectionUri,
        }).ToList();
    }
}
