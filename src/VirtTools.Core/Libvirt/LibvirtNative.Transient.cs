using System.Runtime.InteropServices;

namespace VirtTools.Libvirt;

internal static partial class LibvirtNative
{
    [DllImport(Lib)] public static extern DomainHandle virDomainCreateXML(ConnectHandle conn, [MarshalAs(UnmanagedType.LPUTF8Str)] string xml, uint flags);
}
