using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

internal sealed partial class NativeDomain
{
    public void UpdateDevice(string xml, DomainModificationFlags flags) =>
        Check(virDomainUpdateDeviceFlags(_h, xml, (uint)flags), "virDomainUpdateDeviceFlags");

    public void BlockResize(string disk, long bytes) =>
        Check(virDomainBlockResize(_h, disk, (ulong)bytes, BlockResizeBytes), "virDomainBlockResize");

    public LibvirtBlockInfo GetBlockInfo(string disk)
    {
        Check(virDomainGetBlockInfo(_h, disk, out var i, 0), "virDomainGetBlockInfo");
        return new LibvirtBlockInfo((long)i.Capacity, (long)i.Allocation, (long)i.Physical);
    }
}
