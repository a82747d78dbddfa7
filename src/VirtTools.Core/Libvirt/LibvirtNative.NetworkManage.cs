using System.Runtime.InteropServices;

namespace VirtTools.Libvirt;

internal static partial class LibvirtNative
{
    // ---- virtual network management (New-/Remove-/Start-/Stop-VMNetwork, Get-VMNetworkLease)
    [DllImport(Lib)] public static extern int virNetworkGetDHCPLeases(NetworkHandle net, [MarshalAs(UnmanagedType.LPUTF8Str)] string? mac, out IntPtr leases, uint flags);
    [DllImport(Lib)] public static extern void virNetworkDHCPLeaseFree(IntPtr lease);

    /// <summary>virNetworkDHCPLease (libvirt-network.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct VirNetworkDHCPLease
    {
        public IntPtr Iface;
        public long ExpiryTime;
        public int Type;
        public IntPtr Mac;
        public IntPtr Iaid;
        public IntPtr IPAddr;
        public uint Prefix;
        public IntPtr Hostname;
        public IntPtr ClientId;
    }
}
