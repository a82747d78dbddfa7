using System.Runtime.InteropServices;

namespace VirtTools.Libvirt;

internal static partial class LibvirtNative
{
    // ---- virtual networks
    [DllImport(Lib)] public static extern int virConnectListAllNetworks(ConnectHandle conn, out IntPtr nets, uint flags);
    [DllImport(Lib, EntryPoint = "virNetworkLookupByName")] public static extern NetworkHandle virNetworkLookupByNameHandle(ConnectHandle conn, [MarshalAs(UnmanagedType.LPUTF8Str)] string name);
    [DllImport(Lib)] public static extern NetworkHandle virNetworkDefineXML(ConnectHandle conn, [MarshalAs(UnmanagedType.LPUTF8Str)] string xml);
    [DllImport(Lib)] public static extern IntPtr virNetworkGetName(NetworkHandle net);
    [DllImport(Lib)] public static extern int virNetworkIsActive(NetworkHandle net);
    [DllImport(Lib)] public static extern int virNetworkIsPersistent(NetworkHandle net);
    [DllImport(Lib)] public static extern int virNetworkGetAutostart(NetworkHandle net, out int autostart);
    [DllImport(Lib)] public static extern int virNetworkSetAutostart(NetworkHandle net, int autostart);
    [DllImport(Lib)] public static extern IntPtr virNetworkGetXMLDesc(NetworkHandle net, uint flags);
    [DllImport(Lib)] public static extern int virNetworkCreate(NetworkHandle net);
    [DllImport(Lib)] public static extern int virNetworkDestroy(NetworkHandle net);
    [DllImport(Lib)] public static extern int virNetworkUndefine(NetworkHandle net);

    // ---- guest NICs
    [DllImport(Lib)] public static extern int virDomainInterfaceAddresses(DomainHandle dom, out IntPtr ifaces, uint source, uint flags);
    [DllImport(Lib)] public static extern void virDomainInterfaceFree(IntPtr iface);

    /// <summary>virDomainInterface (libvirt-domain.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct VirDomainInterface
    {
        public IntPtr Name;
        public IntPtr HwAddr;
        public uint NAddrs;
        public IntPtr Addrs;
    }

    /// <summary>virDomainIPAddress.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct VirDomainIPAddress
    {
        public int Type;
        public IntPtr Addr;
        public uint Prefix;
    }
}
