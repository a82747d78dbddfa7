using Microsoft.Win32.SafeHandles;

namespace VirtTools.Libvirt;

/// <summary>virStreamPtr from virStreamNew; freed with virStreamFree (after virStreamFinish or virStreamAbort).</summary>
public sealed class StreamHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public StreamHandle() : base(true) { }
    protected override bool ReleaseHandle() => LibvirtNative.virStreamFree(handle) == 0;
}
