using System.Buffers.Binary;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using VirtTools.Host;
using VirtTools.Libvirt;

namespace VirtTools.Provisioning;

/// <summary>
/// The image a guest's disk is made from (-BaseImage): where it is, its format (qcow2 or raw) and
/// its virtual size when that can be known. Read from the pool's volume when libvirt has it in a pool,
/// and from the file's own header when it is on this host.
/// </summary>
public sealed partial record BaseImage(string Path, string Format, long? CapacityBytes, string? Pool, string? VolumeName)
{
    /// <summary>The header bytes the probe reads: ISO 9660's first descriptor starts at 32768.</summary>
    private const int ProbeBytes = 36 * 1024;

    public static BaseImage Resolve(ILibvirtConnection c, IHostFileSystem files, bool local, string spec)
    {
        if (spec.StartsWith('/'))
        {
            using var vol = c.FindStorageVolume(spec);
            if (local && files.FileExists(spec)) return FromFile(files, spec, vol);
            if (vol is not null) return FromVolume(vol, null);
            throw NotFound(spec, local
                ? $"Base image {spec} does not exist."
                : $"{spec} is not a libvirt volume on {c.Uri}, so it cannot be checked from here.");
        }
        var m = PoolVolume().Match(spec);
        if (!m.Success)
            throw new VirtToolsException("InvalidBaseImage", FailureKind.InvalidArgument,
                $"-BaseImage '{InputText.Shown(spec)}' is neither an absolute path nor pool/volume. Nothing was created.", spec,
                "Give the image's full path on the host, or POOL/VOLUME of a volume in a storage pool.");
        using var pool = c.FindStoragePool(m.Groups[1].Value)
            ?? throw NotFound(spec, $"Storage pool '{m.Groups[1].Value}' of -BaseImage {spec} does not exist.");
        using var v = pool.FindVolume(m.Groups[2].Value)
            ?? throw NotFound(spec, $"Storage pool '{m.Groups[1].Value}' has no volume '{m.Groups[2].Value}'.");
        if (local && files.FileExists(v.Path)) return FromFile(files, v.Path, v) with { Pool = pool.Name, VolumeName = v.Name };
        return FromVolume(v, pool.Name);
    }

    private static BaseImage FromVolume(ILibvirtStorageVolume v, string? pool)
    {
        var format = (string?)XDocument.Parse(v.GetXml()).Root!.Element("target")?.Element("format")?.Attribute("type") ?? "raw";
        if (format == "iso") throw NotAnImage(v.Path, "it is an ISO image (a CD), not a disk");
        if (format is not ("qcow2" or "raw"))
            throw new VirtToolsException("UnsupportedBaseImageFormat", FailureKind.InvalidArgument,
                $"Base image {v.Path} is a {format} image; a qcow2 overlay is made only over qcow2 or raw. Nothing was created.", v.Path,
                $"Convert it first: qemu-img convert -O qcow2 {v.Path} NEW.qcow2");
        var capacity = v.CapacityBytes;
        if (capacity < 512) throw NotAnImage(v.Path, "it is smaller than one 512-byte sector");
        return new BaseImage(v.Path, format, capacity, pool, pool is null ? null : v.Name);
    }

    /// <summary>From the header: qcow2's magic and virtual size, else raw when the first sector is binary.</summary>
    private static BaseImage FromFile(IHostFileSystem files, string path, ILibvirtStorageVolume? vol)
    {
        var head = new byte[ProbeBytes];
        int n;
        try { n = files.Read(path, head); }
        catch (HostIOException e)
        {
            throw new VirtToolsException("BaseImageNotReadable", FailureKind.PermissionDenied, $"Base image {path} cannot be read: {e.Message}", path,
                "Fix its permissions (QEMU must read it too).", e);
        }
        if (n >= 32 && head[0] == 'Q' && head[1] == 'F' && head[2] == 'I' && head[3] == 0xfb)
            return new BaseImage(path, "qcow2", (long)BinaryPrimitives.ReadUInt64BigEndian(head.AsSpan(24)), null, null);
        if (n >= 32774 && head[32769] == 'C' && head[32770] == 'D' && head[32771] == '0' && head[32772] == '0' && head[32773] == '1')
            throw NotAnImage(path, "it is an ISO image (a CD), not a disk; attach it with -CdromPath");
        if (n < 512) throw NotAnImage(path, n == 0 ? "it is empty" : $"it has {n} bytes, less than one 512-byte sector");
        // Every raw disk has binary data in its first sector (a boot sector, a partition table, zeros); text has no NUL.
        if (Array.IndexOf(head, (byte)0, 0, 512) < 0) throw NotAnImage(path, "its first sector holds no binary data: it looks like a text file");
        return new BaseImage(path, "raw", vol?.CapacityBytes, null, null);
    }

    private static VirtToolsException NotFound(string spec, string message) =>
        new("BaseImageNotFound", FailureKind.ObjectNotFound, message + " Nothing was created.", spec,
            "Give the full path of an existing image on the host, or POOL/VOLUME ('virsh vol-list POOL'); Import-VMStorageVolume puts a local image into a pool.");

    private static VirtToolsException NotAnImage(string path, string why) =>
        new("BaseImageNotAnImage", FailureKind.InvalidData, $"{path} is not a disk image: {why}. Nothing was created.", path,
            "Give a qcow2 or raw disk image (a cloud image such as a *.qcow2 of a distribution).");

    [GeneratedRegex(@"\A([^/]+)/([^/]+)\z")]
    private static partial Regex PoolVolume();
}
