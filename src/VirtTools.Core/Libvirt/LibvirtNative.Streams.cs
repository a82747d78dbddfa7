using System.Runtime.InteropServices;

namespace VirtTools.Libvirt;

internal static unsafe partial class LibvirtNative
{
    /// <summary>Borrowed: the volume's connection, without a new reference (virStreamNew takes its own).</summary>
    [DllImport(Lib)] public static extern IntPtr virStorageVolGetConnect(StorageVolHandle vol);
    [DllImport(Lib)] public static extern StreamHandle virStreamNew(IntPtr conn, uint flags);
    [DllImport(Lib)] public static extern int virStorageVolUpload(StorageVolHandle vol, StreamHandle stream, ulong offset, ulong length, uint flags);
    [DllImport(Lib)] public static extern int virStreamSend(StreamHandle stream, byte* data, nuint nbytes);
    [DllImport(Lib)] public static extern int virStreamFinish(StreamHandle stream);
    [DllImport(Lib)] public static extern int virStreamAbort(StreamHandle stream);
    [DllImport(Lib)] public static extern int virStreamFree(IntPtr stream);
}
