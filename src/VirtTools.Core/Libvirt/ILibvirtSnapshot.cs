namespace VirtTools.Libvirt;

public partial interface ILibvirtSnapshot : IDisposable
{
    string Name { get; }
    string GetXml();
    bool IsCurrent { get; }
    void Revert(SnapshotRevertFlags flags = SnapshotRevertFlags.None);
    void Delete(SnapshotDeleteFlags flags = SnapshotDeleteFlags.None);
}
