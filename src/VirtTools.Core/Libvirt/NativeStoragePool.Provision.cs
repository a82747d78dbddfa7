using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

internal sealed partial class NativeStoragePool
{
    public ILibvirtStorageVolume CreateVolumeFrom(string xml, ILibvirtStorageVolume source, StorageVolumeCreateFlags flags)
    {
        if (source is not NativeStorageVolume from)
            throw new ArgumentException("The source volume must come from the same libvirt connection.", nameof(source));
        var h = virStorageVolCreateXMLFrom(_h, xml, from.Handle, (uint)flags);
        if (h.IsInvalid) { var e = NativeConnection.Fail("virStorageVolCreateXMLFrom", () => Name); h.Dispose(); throw e; }
        return new NativeStorageVolume(h);
    }
}
