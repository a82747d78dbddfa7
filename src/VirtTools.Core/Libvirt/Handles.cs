using Microsoft.Win32.SafeHandles;

namespace VirtTools.Libvirt;

/// <summary>virConnectPtr; closed once. virConnectClose may return &gt;0 while domains still hold a reference.</summary>
public sealed class ConnectHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ConnectHandle() : base(true) { }
    /// <summary>A pointer a virConnectRef was taken for: this handle's close gives that reference back.</summary>
    internal ConnectHandle(IntPtr p) : base(true) => SetHandle(p);
    protected override bool ReleaseHandle() => LibvirtNative.virConnectClose(handle) >= 0;
}

/// <summary>virDomainPtr from lookup, define or list; freed with virDomainFree.</summary>
public sealed class DomainHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public DomainHandle() : base(true) { }
    internal DomainHandle(IntPtr p) : base(true) => SetHandle(p);
    protected override bool ReleaseHandle() => LibvirtNative.virDomainFree(handle) == 0;
}

/// <summary>virDomainSnapshotPtr; freed with virDomainSnapshotFree.</summary>
public sealed class SnapshotHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SnapshotHandle() : base(true) { }
    internal SnapshotHandle(IntPtr p) : base(true) => SetHandle(p);
    protected override bool ReleaseHandle() => LibvirtNative.virDomainSnapshotFree(handle) == 0;
}

/// <summary>virStoragePoolPtr; freed with virStoragePoolFree.</summary>
public sealed class StoragePoolHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public StoragePoolHandle() : base(true) { }
    internal StoragePoolHandle(IntPtr p) : base(true) => SetHandle(p);
    protected override bool ReleaseHandle() => LibvirtNative.virStoragePoolFree(handle) == 0;
}

/// <summary>virStorageVolPtr; freed with virStorageVolFree.</summary>
public sealed class StorageVolHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public StorageVolHandle() : base(true) { }
    protected override bool ReleaseHandle() => LibvirtNative.virStorageVolFree(handle) == 0;
}
