using System.Runtime.InteropServices;

namespace VirtTools.Libvirt;

internal static partial class LibvirtNative
{
    // ---- storage pool management (New-/Remove-/Get-VMStoragePool)
    [DllImport(Lib)] public static extern int virStoragePoolBuild(StoragePoolHandle pool, uint flags);
    [DllImport(Lib)] public static extern int virStoragePoolDelete(StoragePoolHandle pool, uint flags);
    [DllImport(Lib)] public static extern int virStoragePoolGetAutostart(StoragePoolHandle pool, out int autostart);
    [DllImport(Lib)] public static extern int virStoragePoolSetAutostart(StoragePoolHandle pool, int autostart);
    [DllImport(Lib)] public static extern int virStoragePoolIsPersistent(StoragePoolHandle pool);
}
