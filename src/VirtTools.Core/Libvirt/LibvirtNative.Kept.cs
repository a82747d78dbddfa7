using System.Runtime.InteropServices;

namespace VirtTools.Libvirt;

internal static partial class LibvirtNative
{
    /// <summary>One more reference on a virConnectPtr; each is given back by its own virConnectClose.</summary>
    [DllImport(Lib)] public static extern int virConnectRef(ConnectHandle conn);
}
