namespace VirtTools.Libvirt;

public partial interface ILibvirtConnection
{
    /// <summary>
    /// virDomainCreateXML: starts a guest from <paramref name="xml"/> without making that XML its definition.
    /// For a guest already defined (same name and UUID) the XML is the running instance's only: the persistent
    /// definition is what the guest boots the next time (virt-install's install boot).
    /// </summary>
    ILibvirtDomain CreateDomain(string xml, DomainCreateFlags flags = DomainCreateFlags.None);
}
