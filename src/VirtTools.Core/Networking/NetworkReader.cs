using System.Net;
using System.Xml.Linq;
using VirtTools.Libvirt;

namespace VirtTools.Networking;

/// <summary>Makes <see cref="VMNetwork"/> objects of libvirt networks and their XML.</summary>
public static class NetworkReader
{
    public static VMNetwork Read(ILibvirtNetwork n, string connectionUri)
    {
        var root = XDocument.Parse(n.GetXml()).Root!;
        var ip = root.Elements("ip").FirstOrDefault(i => (string?)i.Attribute("family") is null or "ipv4") ?? root.Element("ip");
        var range = ip?.Element("dhcp")?.Element("range");
        return new VMNetwork
        {
            Name = n.Name,
            Active = n.IsActive,
            Autostart = n.Autostart,
            Persistent = n.IsPersistent,
            Bridge = (string?)root.Element("bridge")?.Attribute("name"),
            ForwardMode = root.Element("forward") is { } f ? (string?)f.Attribute("mode") ?? "nat" : "isolated",
            IPAddress = ip is null ? null : $"{(string?)ip.Attribute("address")}/{Prefix(ip)}",
            DhcpRange = range is null ? null : $"{(string?)range.Attribute("start")}-{(string?)range.Attribute("end")}",
            ConnectionUri = connectionUri,
        };
    }

    /// <summary>The prefix from prefix='24' or netmask='255.255.255.0'.</summary>
    private static string Prefix(XElement ip)
    {
        if ((string?)ip.Attribute("prefix") is { } p) return p;
        if (IPAddress.TryParse((string?)ip.Attribute("netmask"), out var mask))
            return mask.GetAddressBytes().Sum(b => System.Numerics.BitOperations.PopCount(b)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return "?";
    }
}
