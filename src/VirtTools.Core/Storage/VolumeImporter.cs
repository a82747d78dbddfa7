using System.Buffers.Binary;
using System.Xml.Linq;
using VirtTools.Libvirt;

namespace VirtTools.Storage;

/// <summary>What Import-VMStorageVolume will do, checked and decided, nothing changed.</summary>
public sealed record VolumeImportPlan(string Pool, string Name, string Path, string Format, long CapacityBytes, long Length)
{
    public string Xml() => new XElement("volume",
        new XElement("name", Name),
        new XElement("capacity", new XAttribute("unit", "bytes"), CapacityBytes),
        new XElement("allocation", new XAttribute("unit", "bytes"), 0),
        new XElement("target", new XElement("format", new XAttribute("type", Format)))).ToString();
}

/// <summary>
/// A local image file into a storage pool through libvirt's upload stream (virStorageVolUpload),
/// so the file needs to be only where PowerShell runs, not on the libvirt host.
/// </summary>
public sealed class VolumeImporter(ILibvirtConnection connection)
{
    public static readonly string[] Formats = ["qcow2", "raw", "iso"];

    /// <summary>Checks the pool, the name and the file's header; <paramref name="format"/> null probes it.</summary>
    public VolumeImportPlan Plan(string poolName, string name, string sourcePath, ReadOnlySpan<byte> head, long length, string? format)
    {
        var why = InputText.WhyNotAName(name) ?? (name.Contains('/') ? "it contains '/'" : null);
        if (why is not null)
            throw new VirtToolsException("InvalidVolumeName", FailureKind.InvalidArgument,
                $"'{InputText.Shown(name)}' is not a usable volume name: {why}. Nothing was imported.", name,
                "Use letters, digits, '-', '_' and '.', e.g. -Name debian-12.qcow2.");
        var probed = Probe(head);
        var f = format?.ToLowerInvariant() ?? probed;
        if (!Formats.Contains(f))
            throw new VirtToolsException("UnknownVolumeFormat", FailureKind.InvalidArgument, $"-Format {format} is not one of qcow2, raw, iso.", format, null);
        if (format is not null && f != probed && (f == "qcow2" || probed == "qcow2"))
            throw new VirtToolsException("VolumeFormatMismatch", FailureKind.InvalidData,
                $"{sourcePath} is a {probed} image, not {f}. Nothing was imported.", sourcePath, $"Leave out -Format (it is probed), or give -Format {probed}.");
        using var pool = connection.FindStoragePool(poolName)
            ?? throw new VirtToolsException("StoragePoolNotFound", FailureKind.ObjectNotFound, $"Storage pool '{poolName}' does not exist on {connection.Uri}.", poolName,
                "List pools with 'virsh pool-list --all', or name another with -StoragePool.");
        if (!pool.IsActive)
            throw new VirtToolsException("StoragePoolInactive", FailureKind.InvalidOperation, $"Storage pool '{poolName}' is not running. Nothing was imported.", poolName,
                $"Start it first: virsh pool-start {poolName}");
        var dir = (string?)XDocument.Parse(pool.GetXml()).Root!.Element("target")?.Element("path");
        var path = dir is null ? name : dir.TrimEnd('/') + "/" + name;
        using (var old = pool.FindVolume(name))
            if (old is not null)
                throw new VirtToolsException("StorageVolumeExists", FailureKind.ResourceExists,
                    $"Storage pool '{poolName}' already has a volume '{name}' ({path}); Import-VMStorageVolume never overwrites one.", path,
                    "Choose another -Name, or remove the old volume first.");
        // A qcow2 volume's capacity is its virtual size: libvirt creates it so, and the upload then replaces the file whole.
        var capacity = f == "qcow2" && head.Length >= 32 ? (long)BinaryPrimitives.ReadUInt64BigEndian(head[24..]) : length;
        return new VolumeImportPlan(poolName, name, path, f, capacity, length);
    }

    /// <summary>qcow2 by its magic, iso by ISO 9660's descriptor at 32 KiB, else raw.</summary>
    public static string Probe(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 4 && head[0] == 'Q' && head[1] == 'F' && head[2] == 'I' && head[3] == 0xfb) return "qcow2";
        if (head.Length >= 32774 && head.Slice(32769, 5).SequenceEqual("CD001"u8)) return "iso";
        return "raw";
    }

    /// <summary>Creates the volume and streams the file into it; any failure (or a stop) deletes the half-made volume.</summary>
    public ImportedStorageVolume Import(VolumeImportPlan plan, Stream source, string sourcePath, Action<long>? progress, CancellationToken cancel)
    {
        using var pool = connection.FindStoragePool(plan.Pool)
            ?? throw new VirtToolsException("StoragePoolNotFound", FailureKind.ObjectNotFound, $"Storage pool '{plan.Pool}' is gone.", plan.Pool, null);
        var vol = pool.CreateVolume(plan.Xml());
        try
        {
            vol.Upload(source, plan.Length, progress, cancel);
            pool.Refresh();
        }
        catch
        {
            try { vol.Delete(); } catch (LibvirtException) { }
            vol.Dispose();
            throw;
        }
        using (vol)
        using (var fresh = pool.FindVolume(plan.Name))
        {
            var v = fresh ?? vol;
            var format = (string?)XDocument.Parse(v.GetXml()).Root!.Element("target")?.Element("format")?.Attribute("type") ?? plan.Format;
            return new ImportedStorageVolume
            {
                Name = plan.Name, StoragePool = plan.Pool, Path = v.Path, Format = format, CapacityBytes = v.CapacityBytes,
                UploadedBytes = plan.Length, SourcePath = sourcePath, ConnectionUri = connection.Uri,
            };
        }
    }
}
