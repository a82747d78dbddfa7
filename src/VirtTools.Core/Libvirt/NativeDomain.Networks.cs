using System.Runtime.InteropServices;
using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

internal sealed unsafe partial class NativeDomain
{
    public IReadOnlyList<LibvirtInterfaceAddresses> GetInterfaceAddresses(InterfaceAddressSource source)
    {
        var n = virDomainInterfaceAddresses(_h, out var arr, (uint)source, 0);
        if (n < 0) throw NativeConnection.Fail("virDomainInterfaceAddresses", () => Name);
        var list = new List<LibvirtInterfaceAddresses>(n);
        if (arr == IntPtr.Zero) return list;
        try
        {
            for (var i = 0; i < n; i++)
            {
                var p = Marshal.ReadIntPtr(arr, i * IntPtr.Size);
                if (p == IntPtr.Zero) continue;
                try
                {
                    var iface = Marshal.PtrToStructure<VirDomainInterface>(p);
                    var addrs = new List<LibvirtIPAddress>((int)iface.NAddrs);
                    for (var j = 0; j < iface.NAddrs; j++)
                    {
                        var a = Marshal.PtrToStructure<VirDomainIPAddress>(iface.Addrs + j * sizeof(VirDomainIPAddress));
                        if (BorrowString(a.Addr) is { } text) addrs.Add(new LibvirtIPAddress((IPAddressType)a.Type, text, (int)a.Prefix));
                    }
                    list.Add(new LibvirtInterfaceAddresses(BorrowString(iface.Name) ?? "", BorrowString(iface.HwAddr), addrs));
                }
                finally { virDomainInterfaceFree(p); }
            }
        }
        finally { free(arr); }
        return list;
    }
}
