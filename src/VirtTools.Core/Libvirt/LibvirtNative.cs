using System.Runtime.InteropServices;

namespace VirtTools.Libvirt;

/// <summary>
/// Every libvirt entry point VirtTools calls, in one place. Rules that keep this safe:
/// char* results the caller owns are declared IntPtr and released with libc free (virFree is not
/// exported; a string return would be freed by the marshaller, and borrowed ones must never be);
/// handles come back as SafeHandles so each is released once, on every path.
/// </summary>
internal static unsafe partial class LibvirtNative
{
    public const string Lib = "libvirt.so.0";

    private static readonly object InitLock = new();
    private static bool _initialized;

    /// <summary>
    /// virInitialize plus a silent error handler: without one, libvirt prints every error to stderr
    /// itself, on top of the ErrorRecord we build from the same error.
    /// </summary>
    public static void EnsureInitialized()
    {
        if (_initialized) return;
        lock (InitLock)
        {
            if (_initialized) return;
            if (virInitialize() < 0) throw LibvirtException.FromLastError("virInitialize", (object?)null);
            virSetErrorFunc(IntPtr.Zero, &Silent);
            _initialized = true;
        }
    }

    [UnmanagedCallersOnly]
    private static void Silent(IntPtr userData, IntPtr error) { }

    /// <summary>Copies a caller-owned UTF-8 string and frees it.</summary>
    public static string? TakeString(IntPtr p)
    {
        if (p == IntPtr.Zero) return null;
        try { return Marshal.PtrToStringUTF8(p); }
        finally { free(p); }
    }

    /// <summary>Copies a borrowed UTF-8 string; libvirt keeps ownership.</summary>
    public static string? BorrowString(IntPtr p) => p == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(p);

    [DllImport("libc")] public static extern void free(IntPtr p);

    // ---- library and errors
    [DllImport(Lib)] public static extern int virInitialize();
    [DllImport(Lib)] public static extern int virGetVersion(out ulong libVer, IntPtr type, IntPtr typeVer);
    [DllImport(Lib)] public static extern void virSetErrorFunc(IntPtr userData, delegate* unmanaged<IntPtr, IntPtr, void> handler);
    [DllImport(Lib)] public static extern VirError* virGetLastError();
    [DllImport(Lib)] public static extern VirError* virSaveLastError();
    [DllImport(Lib)] public static extern void virFreeError(VirError* err);
    [DllImport(Lib)] public static extern void virResetLastError();

    [StructLayout(LayoutKind.Sequential)]
    public struct VirError
    {
        public int Code;
        public int Domain;
        public IntPtr Message;
        public int Level;
        public IntPtr Conn, Dom, Str1, Str2, Str3;
        public int Int1, Int2;
        public IntPtr Net;
    }

    // ---- connection
    [DllImport(Lib)] public static extern ConnectHandle virConnectOpenAuth([MarshalAs(UnmanagedType.LPUTF8Str)] string? uri, IntPtr auth, uint flags);
    [DllImport(Lib)] public static extern int virConnectClose(IntPtr conn);
    [DllImport(Lib)] public static extern IntPtr virConnectGetURI(ConnectHandle conn);
    [DllImport(Lib)] public static extern IntPtr virConnectGetType(ConnectHandle conn);
    [DllImport(Lib)] public static extern IntPtr virConnectGetHostname(ConnectHandle conn);
    [DllImport(Lib)] public static extern IntPtr virConnectGetCapabilities(ConnectHandle conn);
    [DllImport(Lib)] public static extern IntPtr virConnectGetDomainCapabilities(ConnectHandle conn,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string? emulator, [MarshalAs(UnmanagedType.LPUTF8Str)] string? arch,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string? machine, [MarshalAs(UnmanagedType.LPUTF8Str)] string? virttype, uint flags);
    [DllImport(Lib)] public static extern int virConnectGetVersion(ConnectHandle conn, out ulong hvVer);
    [DllImport(Lib)] public static extern int virConnectIsAlive(ConnectHandle conn);
    [DllImport(Lib)] public static extern int virConnectGetLibVersion(ConnectHandle conn, out ulong libVer);
    [DllImport(Lib)] public static extern int virConnectListAllDomains(ConnectHandle conn, out IntPtr domains, uint flags);
    [DllImport(Lib)] public static extern int virConnectListAllStoragePools(ConnectHandle conn, out IntPtr pools, uint flags);
    [DllImport(Lib)] public static extern int virNodeGetInfo(ConnectHandle conn, out NodeInfo info);

    [StructLayout(LayoutKind.Sequential)]
    public struct NodeInfo
    {
        public fixed byte Model[32];
        public nuint Memory; // KiB
        public uint Cpus, Mhz, Nodes, Sockets, Cores, Threads;
    }

    // ---- networks (existence checks only)
    [DllImport(Lib)] public static extern IntPtr virNetworkLookupByName(ConnectHandle conn, [MarshalAs(UnmanagedType.LPUTF8Str)] string name);
    [DllImport(Lib)] public static extern int virNetworkFree(IntPtr net);

    // ---- domains
    [DllImport(Lib)] public static extern DomainHandle virDomainLookupByName(ConnectHandle conn, [MarshalAs(UnmanagedType.LPUTF8Str)] string name);
    [DllImport(Lib)] public static extern DomainHandle virDomainLookupByUUIDString(ConnectHandle conn, [MarshalAs(UnmanagedType.LPUTF8Str)] string uuid);
    [DllImport(Lib)] public static extern DomainHandle virDomainDefineXMLFlags(ConnectHandle conn, [MarshalAs(UnmanagedType.LPUTF8Str)] string xml, uint flags);
    [DllImport(Lib)] public static extern int virDomainFree(IntPtr dom);
    [DllImport(Lib)] public static extern IntPtr virDomainGetName(DomainHandle dom);
    [DllImport(Lib)] public static extern int virDomainGetUUIDString(DomainHandle dom, byte* buf);
    [DllImport(Lib)] public static extern uint virDomainGetID(DomainHandle dom);
    [DllImport(Lib)] public static extern int virDomainGetState(DomainHandle dom, out int state, out int reason, uint flags);
    [DllImport(Lib)] public static extern int virDomainGetInfo(DomainHandle dom, out DomainInfo info);
    [DllImport(Lib)] public static extern IntPtr virDomainGetXMLDesc(DomainHandle dom, uint flags);
    [DllImport(Lib)] public static extern int virDomainUndefineFlags(DomainHandle dom, uint flags);
    [DllImport(Lib)] public static extern int virDomainCreateWithFlags(DomainHandle dom, uint flags);
    [DllImport(Lib)] public static extern int virDomainShutdownFlags(DomainHandle dom, uint flags);
    [DllImport(Lib)] public static extern int virDomainDestroyFlags(DomainHandle dom, uint flags);
    [DllImport(Lib)] public static extern int virDomainReboot(DomainHandle dom, uint flags);
    [DllImport(Lib)] public static extern int virDomainReset(DomainHandle dom, uint flags);
    [DllImport(Lib)] public static extern int virDomainSuspend(DomainHandle dom);
    [DllImport(Lib)] public static extern int virDomainResume(DomainHandle dom);
    [DllImport(Lib)] public static extern int virDomainIsActive(DomainHandle dom);
    [DllImport(Lib)] public static extern int virDomainIsPersistent(DomainHandle dom);
    [DllImport(Lib)] public static extern int virDomainGetAutostart(DomainHandle dom, out int autostart);
    [DllImport(Lib)] public static extern int virDomainSetAutostart(DomainHandle dom, int autostart);
    [DllImport(Lib)] public static extern int virDomainHasManagedSaveImage(DomainHandle dom, uint flags);
    [DllImport(Lib)] public static extern int virDomainManagedSave(DomainHandle dom, uint flags);
    [DllImport(Lib)] public static extern int virDomainManagedSaveRemove(DomainHandle dom, uint flags);
    [DllImport(Lib)] public static extern int virDomainAttachDeviceFlags(DomainHandle dom, [MarshalAs(UnmanagedType.LPUTF8Str)] string xml, uint flags);
    [DllImport(Lib)] public static extern int virDomainDetachDeviceFlags(DomainHandle dom, [MarshalAs(UnmanagedType.LPUTF8Str)] string xml, uint flags);
    [DllImport(Lib)] public static extern int virDomainGetJobStats(DomainHandle dom, out int type, out IntPtr pars, out int npars, uint flags);
    [DllImport(Lib)] public static extern int virDomainAbortJob(DomainHandle dom);
    [DllImport(Lib)] public static extern DomainHandle virDomainMigrate3(DomainHandle dom, ConnectHandle dconn, IntPtr pars, uint npars, uint flags);
    [DllImport(Lib)] public static extern int virDomainMigrateToURI3(DomainHandle dom, [MarshalAs(UnmanagedType.LPUTF8Str)] string? dconnuri, IntPtr pars, int npars, uint flags);

    [StructLayout(LayoutKind.Sequential)]
    public struct DomainInfo
    {
        public byte State;
        public nuint MaxMem; // KiB
        public nuint Memory; // KiB
        public ushort NrVirtCpu;
        public ulong CpuTime;
    }

    // ---- snapshots
    [DllImport(Lib)] public static extern SnapshotHandle virDomainSnapshotCreateXML(DomainHandle dom, [MarshalAs(UnmanagedType.LPUTF8Str)] string xml, uint flags);
    [DllImport(Lib)] public static extern int virDomainListAllSnapshots(DomainHandle dom, out IntPtr snaps, uint flags);
    [DllImport(Lib)] public static extern SnapshotHandle virDomainSnapshotLookupByName(DomainHandle dom, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, uint flags);
    [DllImport(Lib)] public static extern SnapshotHandle virDomainSnapshotCurrent(DomainHandle dom, uint flags);
    [DllImport(Lib)] public static extern IntPtr virDomainSnapshotGetName(SnapshotHandle snap);
    [DllImport(Lib)] public static extern IntPtr virDomainSnapshotGetXMLDesc(SnapshotHandle snap, uint flags);
    [DllImport(Lib)] public static extern int virDomainSnapshotIsCurrent(SnapshotHandle snap, uint flags);
    [DllImport(Lib)] public static extern int virDomainRevertToSnapshot(SnapshotHandle snap, uint flags);
    [DllImport(Lib)] public static extern int virDomainSnapshotDelete(SnapshotHandle snap, uint flags);
    [DllImport(Lib)] public static extern int virDomainSnapshotFree(IntPtr snap);

    // ---- storage
    [DllImport(Lib)] public static extern StoragePoolHandle virStoragePoolLookupByName(ConnectHandle conn, [MarshalAs(UnmanagedType.LPUTF8Str)] string name);
    [DllImport(Lib)] public static extern StoragePoolHandle virStoragePoolDefineXML(ConnectHandle conn, [MarshalAs(UnmanagedType.LPUTF8Str)] string xml, uint flags);
    [DllImport(Lib)] public static extern int virStoragePoolCreate(StoragePoolHandle pool, uint flags);
    [DllImport(Lib)] public static extern int virStoragePoolDestroy(StoragePoolHandle pool);
    [DllImport(Lib)] public static extern int virStoragePoolUndefine(StoragePoolHandle pool);
    [DllImport(Lib)] public static extern int virStoragePoolRefresh(StoragePoolHandle pool, uint flags);
    [DllImport(Lib)] public static extern int virStoragePoolIsActive(StoragePoolHandle pool);
    [DllImport(Lib)] public static extern IntPtr virStoragePoolGetName(StoragePoolHandle pool);
    [DllImport(Lib)] public static extern IntPtr virStoragePoolGetXMLDesc(StoragePoolHandle pool, uint flags);
    [DllImport(Lib)] public static extern int virStoragePoolListAllVolumes(StoragePoolHandle pool, out IntPtr vols, uint flags);
    [DllImport(Lib)] public static extern int virStoragePoolFree(IntPtr pool);
    [DllImport(Lib)] public static extern StorageVolHandle virStorageVolLookupByName(StoragePoolHandle pool, [MarshalAs(UnmanagedType.LPUTF8Str)] string name);
    [DllImport(Lib)] public static extern StorageVolHandle virStorageVolLookupByPath(ConnectHandle conn, [MarshalAs(UnmanagedType.LPUTF8Str)] string path);
    [DllImport(Lib)] public static extern StorageVolHandle virStorageVolCreateXML(StoragePoolHandle pool, [MarshalAs(UnmanagedType.LPUTF8Str)] string xml, uint flags);
    [DllImport(Lib)] public static extern int virStorageVolDelete(StorageVolHandle vol, uint flags);
    [DllImport(Lib)] public static extern IntPtr virStorageVolGetName(StorageVolHandle vol);
    [DllImport(Lib)] public static extern IntPtr virStorageVolGetPath(StorageVolHandle vol);
    [DllImport(Lib)] public static extern IntPtr virStorageVolGetXMLDesc(StorageVolHandle vol, uint flags);
    [DllImport(Lib)] public static extern int virStorageVolGetInfo(StorageVolHandle vol, out VolInfo info);
    [DllImport(Lib)] public static extern int virStorageVolFree(IntPtr vol);

    [StructLayout(LayoutKind.Sequential)]
    public struct VolInfo
    {
        public int Type;
        public ulong Capacity;
        public ulong Allocation;
    }

    // ---- typed parameters
    [DllImport(Lib)] public static extern void virTypedParamsFree(IntPtr pars, int npars);
    [DllImport(Lib)] public static extern int virTypedParamsAddString(ref IntPtr pars, ref int npars, ref int maxpars, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value);
    [DllImport(Lib)] public static extern int virTypedParamsAddULLong(ref IntPtr pars, ref int npars, ref int maxpars, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, ulong value);
    [DllImport(Lib)] public static extern int virTypedParamsAddLLong(ref IntPtr pars, ref int npars, ref int maxpars, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, long value);
    [DllImport(Lib)] public static extern int virTypedParamsAddInt(ref IntPtr pars, ref int npars, ref int maxpars, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, int value);
    [DllImport(Lib)] public static extern int virTypedParamsAddUInt(ref IntPtr pars, ref int npars, ref int maxpars, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, uint value);
    [DllImport(Lib)] public static extern int virTypedParamsAddDouble(ref IntPtr pars, ref int npars, ref int maxpars, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, double value);
    [DllImport(Lib)] public static extern int virTypedParamsAddBoolean(ref IntPtr pars, ref int npars, ref int maxpars, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, int value);

    /// <summary>virTypedParameter: char field[80]; int type; union value (8 bytes).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 96)]
    public struct TypedParameter
    {
        [FieldOffset(0)] public fixed byte Field[80];
        [FieldOffset(80)] public int Type;
        [FieldOffset(88)] public long Value;
    }

    /// <summary>Takes ownership of an array of handles (ListAll*): wraps each element, then frees the array.</summary>
    public static List<T> TakeArray<T>(IntPtr array, int count, Func<IntPtr, T> wrap)
    {
        var list = new List<T>(Math.Max(count, 0));
        if (array == IntPtr.Zero) return list;
        try
        {
            for (var i = 0; i < count; i++) list.Add(wrap(Marshal.ReadIntPtr(array, i * IntPtr.Size)));
        }
        finally { free(array); }
        return list;
    }
}
