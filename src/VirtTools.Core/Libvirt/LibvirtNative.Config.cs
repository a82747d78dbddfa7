using System.Runtime.InteropServices;

namespace VirtTools.Libvirt;

internal static partial class LibvirtNative
{
    // unsigned long is 64 bits on the LP64 Linux this binds.
    [DllImport(Lib)] public static extern int virDomainSetMemoryFlags(DomainHandle dom, ulong memoryKib, uint flags);
    [DllImport(Lib)] public static extern int virDomainSetVcpusFlags(DomainHandle dom, uint nvcpus, uint flags);
    [DllImport(Lib)] public static extern int virDomainSetMetadata(DomainHandle dom, int type,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string? metadata, [MarshalAs(UnmanagedType.LPUTF8Str)] string? key,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string? uri, uint flags);
    [DllImport(Lib)] public static extern int virDomainRename(DomainHandle dom, [MarshalAs(UnmanagedType.LPUTF8Str)] string newName, uint flags);
}
