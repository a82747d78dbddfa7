using System.Runtime.InteropServices;

namespace VirtTools.Libvirt;

internal static unsafe partial class LibvirtNative
{
    [DllImport(Lib)] public static extern ulong virNodeGetFreeMemory(ConnectHandle conn);
    [DllImport(Lib)] public static extern int virNodeGetFreePages(ConnectHandle conn, uint npages, uint* pages, int startCell, uint cellCount, ulong* counts, uint flags);
    [DllImport(Lib)] public static extern int virConnectGetAllDomainStats(ConnectHandle conn, uint stats, out IntPtr retStats, uint flags);
    [DllImport(Lib)] public static extern int virDomainListGetStats(IntPtr* doms, uint stats, out IntPtr retStats, uint flags);
    [DllImport(Lib)] public static extern void virDomainStatsRecordListFree(IntPtr stats);
    [DllImport(Lib)] public static extern int virDomainGetUUIDString(IntPtr dom, byte* buf);
    [DllImport(Lib)] public static extern IntPtr virDomainGetName(IntPtr dom);

    /// <summary>virDomainStatsRecord: the guest (owned by the list) and its typed parameters.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct DomainStatsRecord
    {
        public IntPtr Dom;
        public IntPtr Params;
        public int NParams;
    }
}
