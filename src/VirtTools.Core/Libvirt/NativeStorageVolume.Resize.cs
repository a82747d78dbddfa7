using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

internal sealed partial class NativeStorageVolume
{
    public void Resize(long bytes)
    {
        if (virStorageVolResize(_h, (ulong)bytes, 0) < 0) throw NativeConnection.Fail("virStorageVolResize", () => Name);
    }
}
