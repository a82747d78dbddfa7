using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

internal sealed partial class NativeSnapshot : ILibvirtSnapshot
{
    private readonly SnapshotHandle _h;
    internal NativeSnapshot(SnapshotHandle h) => _h = h;
    private string? _name;
    public string Name => _name ??= BorrowString(virDomainSnapshotGetName(_h)) ?? throw NativeConnection.Fail("virDomainSnapshotGetName", (object?)null);
    public string GetXml() => TakeString(virDomainSnapshotGetXMLDesc(_h, 0)) ?? throw NativeConnection.Fail("virDomainSnapshotGetXMLDesc", () => Name);
    public bool IsCurrent
    {
        get
        {
            var rc = virDomainSnapshotIsCurrent(_h, 0);
            return rc < 0 ? throw NativeConnection.Fail("virDomainSnapshotIsCurrent", () => Name) : rc > 0;
        }
    }
    public void Revert(SnapshotRevertFlags flags)
    {
        if (virDomainRevertToSnapshot(_h, (uint)flags) < 0) throw NativeConnection.Fail("virDomainRevertToSnapshot", () => Name);
    }
    public void Delete(SnapshotDeleteFlags flags)
    {
        if (virDomainSnapshotDelete(_h, (uint)flags) < 0) throw NativeConnection.Fail("virDomainSnapshotDelete", () => Name);
    }
    public void Dispose() => _h.Dispose();
}
