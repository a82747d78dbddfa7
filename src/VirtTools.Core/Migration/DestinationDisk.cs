using VirtTools.Guests;

namespace VirtTools.Migration;

/// <summary>How the destination stands for one disk that -CopyStorage copies.</summary>
public enum DestinationDiskState
{
    /// <summary>A volume at that path exists there (libvirt copies into it).</summary>
    Exists,
    /// <summary>No image yet, but a running pool holds its directory (or volume): libvirt creates it with the source's size and format.</summary>
    PoolCreates,
    /// <summary>A pool holds its directory, but it is not running: libvirt cannot create the image.</summary>
    PoolInactive,
    /// <summary>No pool there knows the path: libvirt needs the image to exist already, which only the destination's file system can tell.</summary>
    Unknown,
}

/// <param name="Pool">The destination pool that holds (or would create) it.</param>
/// <param name="SourceCapacityBytes">The disk's size on the source, when a source pool knows it.</param>
/// <param name="DestinationCapacityBytes">The existing image's size there.</param>
public sealed record DestinationDisk(DomainDisk Disk, DestinationDiskState State, string? Pool,
    long? SourceCapacityBytes, long? DestinationCapacityBytes);
