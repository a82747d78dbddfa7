using System.Runtime.InteropServices;
using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

internal sealed partial class NativeNetwork
{
    public IReadOnlyList<LibvirtNetworkLease> GetDhcpLeases()
    {
        var n = virNetworkGetDHCPLeases(_h, null, out var arr, 0);
        if (n < 0) throw NativeConnection.Fail("virNetworkGetDHCPLeases", () => Name);
        var list = new List<LibvirtNetworkLease>(n);
        if (arr == IntPtr.Zero) return list;
        try
        {
            for (var i = 0; i < n; i++)
            {
                var p = Marshal.ReadIntPtr(arr, i * IntPtr.Size);
                var l = Marshal.PtrToStructure<VirNetworkDHCPLease>(p);
                list.Add(new LibvirtNetworkLease(BorrowString(l.Iface) ?? "", l.ExpiryTime, (IPAddressType)l.Type, BorrowString(l.Mac),
                    BorrowString(l.Iaid), BorrowString(l.IPAddr) ?? "", l.Prefix, BorrowString(l.Hostname), BorrowString(l.ClientId)));
            }
        }
        finally
        {
            for (var i = 0; i < n; i++) virNetworkDHCPLeaseFree(Marshal.ReadIntPtr(arr, i * IntPtr.Size));
            free(arr);
        }
        return list;
    }
}
