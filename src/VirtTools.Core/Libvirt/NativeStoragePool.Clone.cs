using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

internal sealed partial class NativeStoragePool
{
    public ILibvirtStorageVolume CreateVolumeFrom(string xml, ILibvirtStorageVolume source, StorageVolumeCreateFlags flags)
    {
        // Volumes of this seam are native ones; a decorator hands its inner volume through Unwrap.
        if (VolumeHandles.Of(source) is not { } src)
            throw new ArgumentException("The source volume does not come from a native connection.", nameof(source));
        var h = virStorageVolCreateXMLFrom(_h, xml, src, (uint)flags);
        if (h.IsInvalid) { var e = NativeConnection.Fail("virStorageVolCreateXMLFrom", () => Name); h.Dispose(); throw e; }
        return new NativeStorageVolume(h);
    }
}
