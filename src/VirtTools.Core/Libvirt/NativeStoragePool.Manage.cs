using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

internal sealed partial class NativeStoragePool
{
    public bool Autostart
    {
        get { Check(virStoragePoolGetAutostart(_h, out var a), "virStoragePoolGetAutostart"); return a != 0; }
        set => Check(virStoragePoolSetAutostart(_h, value ? 1 : 0), "virStoragePoolSetAutostart");
    }

    public bool IsPersistent
    {
        get
        {
            var rc = virStoragePoolIsPersistent(_h);
            return rc < 0 ? throw NativeConnection.Fail("virStoragePoolIsPersistent", () => Name) : rc > 0;
        }
    }

    public void Build() => Check(virStoragePoolBuild(_h, 0), "virStoragePoolBuild");
    public void DeleteStorage() => Check(virStoragePoolDelete(_h, 0), "virStoragePoolDelete");
}
