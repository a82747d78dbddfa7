using VirtTools.Libvirt;

namespace VirtTools.Tests.Guests;

public sealed partial class FaultyConnection
{
    public ILibvirtDomain CreateDomain(string xml, DomainCreateFlags flags = DomainCreateFlags.None) =>
        FailStart ? throw Injected("virDomainCreateXML") : Wrap(inner.CreateDomain(xml, flags));
}
