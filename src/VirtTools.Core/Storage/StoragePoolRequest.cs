namespace VirtTools.Storage;

/// <summary>What New-VMStoragePool was asked for; which fields matter depends on <see cref="Type"/>.</summary>
public sealed record StoragePoolRequest(string Name, StoragePoolType Type)
{
    /// <summary>Dir: the directory; Netfs: the mount point. Logical pools live under /dev/VG.</summary>
    public string? Path { get; init; }
    /// <summary>Logical: the volume group (default: the pool's name).</summary>
    public string? VolumeGroup { get; init; }
    /// <summary>Logical: block devices libvirt's build turns into a new volume group (pvcreate, vgcreate).</summary>
    public IReadOnlyList<string> SourceDevices { get; init; } = Array.Empty<string>();
    /// <summary>Netfs: the file server.</summary>
    public string? SourceHost { get; init; }
    /// <summary>Netfs: the export (NFS), share (CIFS) or volume (GlusterFS) on it.</summary>
    public string? SourcePath { get; init; }
    public NetworkFileSystemFormat SourceFormat { get; init; } = NetworkFileSystemFormat.Nfs;
}
