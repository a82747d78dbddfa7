using Microsoft.Win32.SafeHandles;

namespace VirtTools.Libvirt;

/// <summary>virNetworkPtr from lookup, define or list; freed with virNetworkFree.</summary>
public sealed class NetworkHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public NetworkHandle() : base(true) { }
    internal NetworkHandle(IntPtr p) : base(true) => SetHandle(p);
    protected override bool ReleaseHandle() => LibvirtNative.virNetworkFree(handle) == 0;
}
