using System.Xml.Linq;
using VirtTools.Guests;
using VirtTools.Host;
using VirtTools.Libvirt;

namespace VirtTools.Storage;

/// <summary>
/// What an image path is, asked where the answer is true: the pool's word for a libvirt volume, else
/// (only when the connection is to this host) the file itself through the host-root seam.
/// </summary>
public sealed class DiskImageProbe(ILibvirtConnection connection, IHostFileSystem files)
{
    private readonly bool _local = GuestCreator.IsLocalUri(connection.Uri);

    /// <summary>An existing image's format: the pool's word for a volume, else qcow2's magic in the file header, else raw.</summary>
    /// <param name="createAdvice">How the caller's user creates a new image instead (the parameter of that cmdlet).</param>
    public string Format(string path, string createAdvice)
    {
        using (var vol = connection.FindStorageVolume(path))
            if (vol is not null)
                return (string?)XDocument.Parse(vol.GetXml()).Root!.Element("target")?.Element("format")?.Attribute("type") is "qcow2" ? "qcow2" : "raw";
        if (!_local)
            throw new VirtToolsException("DiskNotFound", FailureKind.ObjectNotFound,
                $"{path} is not a libvirt volume on {connection.Uri}, so it cannot be checked from here.", path,
                "Put the image in a storage pool on that host (virsh pool-refresh), then use its path.");
        if (!files.Exists(path))
            throw new VirtToolsException("DiskNotFound", FailureKind.ObjectNotFound, $"Disk image {path} does not exist.", path,
                $"Give the path of an existing image or block device, or {createAdvice} to create one.");
        Span<byte> head = stackalloc byte[4];
        try
        {
            var n = files.Read(path, head);
            return n == 4 && head[0] == (byte)'Q' && head[1] == (byte)'F' && head[2] == (byte)'I' && head[3] == 0xfb ? "qcow2" : "raw";
        }
        catch (HostIOException e)
        {
            throw new VirtToolsException("DiskNotReadable", FailureKind.PermissionDenied, $"Disk image {path} cannot be read: {e.Message}", path, null, e);
        }
    }

    /// <summary>True when the path is a block device (a disk type='block'); only answerable for this host's files.</summary>
    public bool IsBlockDevice(string path) => _local && path.StartsWith("/dev/", StringComparison.Ordinal);

    /// <summary>Refuses an ISO that is neither a volume nor a readable file here; a remote non-volume is left to libvirt.</summary>
    public void CheckReadable(string iso, string nothingDone = "Nothing was changed.")
    {
        using (var vol = connection.FindStorageVolume(iso))
            if (vol is not null) return;
        if (!_local) return; // not a volume: only the remote host can tell; libvirt will when it opens it
        if (!files.FileExists(iso))
            throw new VirtToolsException("CdromNotFound", FailureKind.ObjectNotFound, $"ISO image {iso} does not exist. {nothingDone}", iso,
                "Give the full path of an existing ISO image on this host (check it with Test-Path), or the path of a volume in a storage pool ('virsh vol-list POOL').");
        Span<byte> one = stackalloc byte[1];
        try { files.Read(iso, one); }
        catch (HostIOException e)
        {
            throw new VirtToolsException("CdromNotReadable", FailureKind.PermissionDenied, $"ISO image {iso} cannot be read: {e.Message}", iso,
                "Fix its permissions (the QEMU process must read it too).", e);
        }
    }
}
