using System.Runtime.InteropServices;

namespace VirtTools.Libvirt;

internal static partial class LibvirtNative
{
    /// <summary>VIR_DOMAIN_BLOCK_RESIZE_BYTES: the size is in bytes, not KiB.</summary>
    public const uint BlockResizeBytes = 1;

    [StructLayout(LayoutKind.Sequential)]
    public struct BlockInfo
    {
        public ulong Capacity;
        public ulong Allocation;
        public ulong Physical;
    }

    [DllImport(Lib)] public static extern int virDomainUpdateDeviceFlags(DomainHandle dom, [MarshalAs(UnmanagedType.LPUTF8Str)] string xml, uint flags);
    [DllImport(Lib)] public static extern int virDomainBlockResize(DomainHandle dom, [MarshalAs(UnmanagedType.LPUTF8Str)] string disk, ulong size, uint flags);
    [DllImport(Lib)] public static extern int virDomainGetBlockInfo(DomainHandle dom, [MarshalAs(UnmanagedType.LPUTF8Str)] string disk, out BlockInfo info, uint flags);
    [DllImport(Lib)] public static extern int virStorageVolResize(StorageVolHandle vol, ulong capacity, uint flags);
}
