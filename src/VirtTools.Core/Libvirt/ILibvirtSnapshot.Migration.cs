namespace VirtTools.Libvirt;

public partial interface ILibvirtSnapshot
{
    /// <summary>virDomainSnapshotGetXMLDesc with flags: <see cref="SnapshotXmlFlags.Secure"/> for XML that redefines the snapshot as it was.</summary>
    string GetXml(SnapshotXmlFlags flags);
}
