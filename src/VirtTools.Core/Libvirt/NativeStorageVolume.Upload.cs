using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

internal sealed partial class NativeStorageVolume
{
    /// <summary>What virsh vol-upload sends per call: large enough that the RPC overhead is small, under libvirt's 256 KiB message limit.</summary>
    internal const int ChunkBytes = 128 * 1024;

    public unsafe void Upload(Stream source, long length, Action<long>? progress, CancellationToken cancel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        using var stream = virStreamNew(virStorageVolGetConnect(_h), 0);
        if (stream.IsInvalid) throw NativeConnection.Fail("virStreamNew", () => Name);
        if (virStorageVolUpload(_h, stream, 0, (ulong)length, 0) < 0) throw NativeConnection.Fail("virStorageVolUpload", () => Name);
        var buffer = new byte[ChunkBytes];
        long sent = 0;
        try
        {
            while (sent < length)
            {
                cancel.ThrowIfCancellationRequested();
                var n = source.Read(buffer, 0, (int)Math.Min(buffer.Length, length - sent));
                if (n == 0) throw new EndOfStreamException($"The source ended after {sent} of {length} bytes.");
                fixed (byte* p = buffer)
                {
                    var off = 0;
                    while (off < n)
                    {
                        var w = virStreamSend(stream, p + off, (nuint)(n - off));
                        if (w < 0) throw NativeConnection.Fail("virStreamSend", () => Name);
                        off += w;
                    }
                }
                sent += n;
                progress?.Invoke(sent);
            }
            if (virStreamFinish(stream) < 0) throw NativeConnection.Fail("virStreamFinish", () => Name);
        }
        catch
        {
            // Tells the daemon to drop the transfer; without it the volume stays locked by the job.
            virStreamAbort(stream);
            throw;
        }
    }
}
