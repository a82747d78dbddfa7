using System.Runtime.InteropServices;

namespace VirtTools.Libvirt;

internal static partial class LibvirtNative
{
    [DllImport(Lib)] public static extern StorageVolHandle virStorageVolCreateXMLFrom(StoragePoolHandle pool, [MarshalAs(UnmanagedType.LPUTF8Str)] string xml, StorageVolHandle clonevol, uint flags);
}
