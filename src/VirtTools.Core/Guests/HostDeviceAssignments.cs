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

    /// <summary>
    /// The assignments on this host's default libvirt connection, or null when it cannot tell: a
    /// captured root (this machine's libvirt describes another host; a simulated host brings its own), a remote default URI, no daemon,
    /// no libvirt library. Never throws: callers only enrich their output with it.
    /// </summary>
    public static Dictionary<PciAddress, string>? TryReadLocal(Host.HostContext host)
    {
        if (!host.ProgramsSeeThisRoot) return null;
        try
        {
            var uri = LibvirtConnector.DefaultUri(host.Files);
            if (!GuestCreator.IsLocalUri(uri)) return null;
            // A system daemon that is not running has no socket: skip loading libvirt at all.
            if (uri is "qemu:///system" or "xen:///system"
                && !host.Files.Exists("/run/libvirt/libvirt-sock") && !host.Files.Exists("/run/libvirt/virtqemud-sock")
                && !host.Files.Exists("/run/libvirt/virtxend-sock"))
                return null;
            using var c = LibvirtConnector.Open(uri);
            return Read(c);
        }
        catch (Exception e) when (e is LibvirtException or DllNotFoundException or EntryPointNotFoundException or Host.HostIOException
                                      or System.Xml.XmlException)
        {
            return null;
        }
    }

    private static void Add(string xml, string name, Dictionary<PciAddress, string> map)
    {
        foreach (var a in GuestReader.HostDeviceAddresses(XDocument.Parse(xml).Root!)) map.TryAdd(a, name);
    }
}
