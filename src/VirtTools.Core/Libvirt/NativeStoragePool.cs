using System.Runtime.InteropServices;
using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

internal sealed partial class NativeStoragePool : ILibvirtStoragePool
{
    private readonly StoragePoolHandle _h;
    internal NativeStoragePool(StoragePoolHandle h) => _h = h;
    private string? _name;
    public string Name => _name ??= BorrowString(virStoragePoolGetName(_h)) ?? throw NativeConnection.Fail("virStoragePoolGetName", (object?)null);
    private void Check(int rc, string op) { if (rc < 0) throw NativeConnection.Fail(op, () => Name); }
    public bool IsActive
    {
        get
        {
            var rc = virStoragePoolIsActive(_h);
            return rc < 0 ? throw NativeConnection.Fail("virStoragePoolIsActive", () => Name) : rc > 0;
        }
    }
    public string GetXml() => TakeString(virStoragePoolGetXMLDesc(_h, 0)) ?? throw NativeConnection.Fail("virStoragePoolGetXMLDesc", () => Name);
    public void Start() => Check(virStoragePoolCreate(_h, 0), "virStoragePoolCreate");
    public void Stop() => Check(virStoragePoolDestroy(_h), "virStoragePoolDestroy");
    public void Undefine() => Check(virStoragePoolUndefine(_h), "virStoragePoolUndefine");
    public void Refresh() => Check(virStoragePoolRefresh(_h, 0), "virStoragePoolRefresh");

    public IReadOnlyList<ILibvirtStorageVolume> ListVolumes()
    {
        var n = virStoragePoolListAllVolumes(_h, out var arr, 0);
        if (n < 0) throw NativeConnection.Fail("virStoragePoolListAllVolumes", () => Name);
        return TakeArray<ILibvirtStorageVolume>(arr, n, p => new NativeStorageVolume(NewVol(p)));
    }

    private static StorageVolHandle NewVol(IntPtr p)
    {
        var h = new StorageVolHandle();
        Marshal.InitHandle(h, p);
        return h;
    }

    public ILibvirtStorageVolume? FindVolume(string name)
    {
        var h = virStorageVolLookupByName(_h, name);
        if (!h.IsInvalid) return new NativeStorageVolume(h);
        var e = NativeConnection.Fail("virStorageVolLookupByName", name);
        h.Dispose();
        return e.Code == ErrorCodes.NoStorageVol ? null : throw e;
    }

    public ILibvirtStorageVolume CreateVolume(string xml, StorageVolumeCreateFlags flags)
    {
        var h = virStorageVolCreateXML(_h, xml, (uint)flags);
        if (h.IsInvalid) { var e = NativeConnection.Fail("virStorageVolCreateXML", () => Name); h.Dispose(); throw e; }
        return new NativeStorageVolume(h);
    }

    public void Dispose() => _h.Dispose();
}
