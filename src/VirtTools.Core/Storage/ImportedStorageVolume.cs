namespace VirtTools;

/// <summary>A volume Import-VMStorageVolume wrote: where it is and what the pool now says of it.</summary>
public sealed class ImportedStorageVolume
{
    public string Name { get; internal init; } = "";
    public string StoragePool { get; internal init; } = "";
    /// <summary>The volume's path on the libvirt host (what -DiskPath, -BaseImage and -CdromPath take).</summary>
    public string Path { get; internal init; } = "";
    /// <summary>qcow2, raw or iso.</summary>
    public string Format { get; internal init; } = "";
    /// <summary>The size the guest sees (a qcow2 image's virtual size).</summary>
    public long CapacityBytes { get; internal init; }
    /// <summary>The bytes sent through the upload stream: the local file's length.</summary>
    public long UploadedBytes { get; internal init; }
    /// <summary>The local file it came from.</summary>
    public string SourcePath { get; internal init; } = "";
    public string ConnectionUri { get; internal init; } = "";

    public override string ToString() => $"{StoragePool}/{Name}";
}
