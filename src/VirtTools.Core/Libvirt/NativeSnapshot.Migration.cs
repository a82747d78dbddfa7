using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

internal sealed partial class NativeSnapshot
{
    public string GetXml(SnapshotXmlFlags flags) =>
        TakeString(virDomainSnapshotGetXMLDesc(_h, (uint)flags)) ?? throw NativeConnection.Fail("virDomainSnapshotGetXMLDesc", () => Name);
}
