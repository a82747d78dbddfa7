using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

internal sealed partial class NativeStorageVolume : ILibvirtStorageVolume
{
    private readonly StorageVolHandle _h;
    internal NativeStorageVolume(StorageVolHandle h) => _h = h;
    private string? _name, _path;
    public string Name => _name ??= BorrowString(virStorageVolGetName(_h)) ?? throw NativeConnection.Fail("virStorageVolGetName", (object?)null);
    public string Path => _path ??= TakeString(virStorageVolGetPath(_h)) ?? throw NativeConnection.Fail("virStorageVolGetPath", () => Name);
    public long CapacityBytes
    {
        get
        {
            if (virStorageVolGetInfo(_h, out var i) < 0) throw NativeConnection.Fail("virStorageVolGetInfo", () => Name);
            return (long)i.Capacity;
        }
    }
    public string GetXml() => TakeString(virStorageVolGetXMLDesc(_h, 0)) ?? throw NativeConnection.Fail("virStorageVolGetXMLDesc", () => Name);
    public void Delete(StorageVolumeDeleteFlags flags)
    {
        if (virStorageVolDelete(_h, (uint)flags) < 0) throw NativeConnection.Fail("virStorageVolDelete", () => Name);
    }
    public void Dispose() => _h.Dispose();
}
