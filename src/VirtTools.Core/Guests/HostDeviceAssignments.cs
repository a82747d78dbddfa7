using System.Xml.Linq;
using VirtTools.Libvirt;
using VirtTools.Pci;

namespace VirtTools.Guests;

/// <summary>Which guest's definition (persistent or live) holds each PCI device.</summary>
public static class HostDeviceAssignments
{
    public static Dictionary<PciAddress, string> Read(ILibvirtConnection c)
    {
        var map = new Dictionary<PciAddress, string>();
        foreach (var d in c.ListDomains())
        {
            using (d)
            {
                string name = d.Name;
                Add(d.GetXml(), name, map);
                // A live hot-plug not yet in the persistent definition counts too.
                if (d.IsActive && d.IsPersistent) Add(d.GetXml(DomainXmlFlags.Inactive), name, map);
            }
        }
        return map;
    }

    private static void Add(string xml, string name, Dictionary<PciAddress, string> map)
    {
        foreach (var a in GuestReader.HostDeviceAddresses(XDocument.Parse(xml).Root!)) map.TryAdd(a, name);
    }
}
