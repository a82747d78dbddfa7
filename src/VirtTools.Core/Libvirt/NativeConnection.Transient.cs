using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

internal sealed partial class NativeConnection
{
    public ILibvirtDomain CreateDomain(string xml, DomainCreateFlags flags = DomainCreateFlags.None)
    {
        var h = virDomainCreateXML(_h, xml, (uint)flags);
        if (h.IsInvalid) { var e = Fail("virDomainCreateXML", (object?)null); h.Dispose(); throw e; }
        return new NativeDomain(h);
    }
}
