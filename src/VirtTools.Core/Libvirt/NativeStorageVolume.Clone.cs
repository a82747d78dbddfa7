namespace VirtTools.Libvirt;

internal sealed partial class NativeStorageVolume
{
    internal StorageVolHandle Handle => _h;
}

/// <summary>The native handle behind a volume of this seam, so a pool can take it as a clone source.</summary>
internal static class VolumeHandles
{
    internal static StorageVolHandle? Of(ILibvirtStorageVolume v) => v is NativeStorageVolume n ? n.Handle : null;
}
