using VirtTools.Provisioning;

namespace VirtTools.Guests;

public sealed partial class GuestRequest
{
    /// <summary>An absolute path or POOL/VOLUME: the first disk becomes a qcow2 overlay backed by it.</summary>
    public string? BaseImage { get; init; }
    /// <summary>A full copy of <see cref="BaseImage"/> (virStorageVolCreateXMLFrom) instead of an overlay.</summary>
    public bool CopyBaseImage { get; init; }
    /// <summary>A NoCloud seed ISO to write into the pool and attach as a CD.</summary>
    public CloudInitRequest? CloudInit { get; init; }
}
