namespace VirtTools.Libvirt;

public partial interface ILibvirtStorageVolume
{
    /// <summary>
    /// virStorageVolUpload through a virStream: writes <paramref name="length"/> bytes of
    /// <paramref name="source"/> into the volume from offset 0, on the daemon's side, so it works on a
    /// remote URI. <paramref name="progress"/> gets the bytes sent so far. A failure or a cancellation
    /// aborts the stream (virStreamAbort) and throws; the volume's content is then undefined.
    /// </summary>
    void Upload(Stream source, long length, Action<long>? progress = null, CancellationToken cancel = default);
}
