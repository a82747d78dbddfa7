using System.Runtime.InteropServices;

namespace VirtTools.Libvirt;

internal static unsafe partial class LibvirtNative
{
    [DllImport(Lib)] public static extern int virConnectSetKeepAlive(ConnectHandle conn, int interval, uint count);
    [DllImport(Lib)] public static extern int virConnectRegisterCloseCallback(ConnectHandle conn,
        delegate* unmanaged<IntPtr, int, IntPtr, void> cb, IntPtr opaque, IntPtr freecb);
    [DllImport(Lib)] public static extern int virConnectUnregisterCloseCallback(ConnectHandle conn, delegate* unmanaged<IntPtr, int, IntPtr, void> cb);
}
