using System.Xml.Linq;
using VirtTools.Libvirt;

namespace VirtTools.Storage;

/// <summary>Get-, New-, Remove-VMStorageVolume: a pool's volumes with their users, a new qcow2 or raw volume, removal refused while a guest uses it.</summary>
public sealed class StorageVolumeService(ILibvirtConnection c)
{
    public static class Ids
    {
        public const string NotFound = "StorageVolumeNotFound";
        public const string InvalidName = "InvalidStorageVolumeName";
        public const string NameInUse = "StorageVolumeNameInUse";
        public const string InvalidSize = "InvalidStorageVolumeSize";
        public const string InUse = "StorageVolumeInUse";
        public const string PoolNotActive = "StoragePoolNotActive";
        public const string FormatUnsupported = "StorageVolumeFormatUnsupported";
    }

    /// <summary>The pool, active (its volumes are listed only then).</summary>
    public ILibvirtStoragePool ActivePool(string name)
    {
        var p = c.FindStoragePool(name) ?? throw StoragePoolService.NotFound(c, name);
        if (p.IsActive) return p;
        p.Dispose();
        throw new VirtToolsException(Ids.PoolNotActive, FailureKind.InvalidOperation, $"Storage pool '{name}' on {c.Uri} is not active: its volumes cannot be listed or changed.", name,
            $"Start it: virsh pool-start {name}");
    }

    public static VMStorageVolume Read(ILibvirtStorageVolume v, string pool, StorageUsers users, string connectionUri)
    {
        var root = XDocument.Parse(v.GetXml()).Root!;
        return new VMStorageVolume
        {
            StoragePool = pool,
            Name = v.Name,
            Path = v.Path,
            Format = (string?)root.Element("target")?.Element("format")?.Attribute("type"),
            CapacityBytes = StoragePoolService.Bytes(root.Element("capacity")),
            AllocationBytes = StoragePoolService.Bytes(root.Element("allocation")),
            BackingFile = (string?)root.Element("backingStore")?.Element("path"),
            UsedBy = users.Of(pool, v.Name, v.Path),
            ConnectionUri = connectionUri,
        };
    }

    /// <summary>Pool types whose volumes are files; the others (logical, disk, iscsi, rbd ...) hand out block devices.</summary>
    public static bool HoldsFiles(string? poolType) => poolType is "dir" or "fs" or "netfs" or "gluster";

    /// <param name="format">Null: qcow2 in a pool of files, raw in a pool of block devices.</param>
    public XElement Plan(ILibvirtStoragePool p, string name, long sizeBytes, VolumeFormat? format)
    {
        var poolType = (string?)XDocument.Parse(p.GetXml()).Root!.Attribute("type");
        // libvirt's logical backend ignores a volume's format and makes a plain LV: a qcow2 asked for would be a raw device the guest's XML then misreads.
        if (!HoldsFiles(poolType) && format == VolumeFormat.Qcow2)
            throw new VirtToolsException(Ids.FormatUnsupported, FailureKind.InvalidArgument,
                $"Pool '{p.Name}' is a {poolType} pool: its volumes are block devices that hold raw data, not qcow2 images. Nothing was created.", name,
                "Leave -Format out (raw is the default there), or create the volume in a dir or netfs pool.");
        var chosen = format ?? (HoldsFiles(poolType) ? VolumeFormat.Qcow2 : VolumeFormat.Raw);
        StoragePoolService.ValidateName(Ids.InvalidName, "volume", name);
        if (sizeBytes <= 0)
            throw new VirtToolsException(Ids.InvalidSize, FailureKind.InvalidArgument, $"-SizeBytes {sizeBytes} is not a size. Nothing was created.", sizeBytes,
                "Give the size in MB or GB, e.g. -SizeBytes 20GB.");
        using (var existing = p.FindVolume(name))
            if (existing is not null)
                throw new VirtToolsException(Ids.NameInUse, FailureKind.ResourceExists, $"Pool '{p.Name}' has a volume named '{name}' already ({existing.Path}). Nothing was created.",
                    name, "Choose another name, or remove the old volume with Remove-VMStorageVolume.");
        return new XElement("volume", new XElement("name", name),
            new XElement("capacity", new XAttribute("unit", "bytes"), sizeBytes),
            new XElement("target", new XElement("format", new XAttribute("type", chosen.ToString().ToLowerInvariant()))));
    }

    public VMStorageVolume Create(ILibvirtStoragePool p, XElement xml)
    {
        using var v = p.CreateVolume(xml.ToString(SaveOptions.DisableFormatting));
        return Read(v, p.Name, new StorageUsers(), c.Uri);
    }

    /// <summary>Deletes the volume; refuses one a guest uses, naming the guest.</summary>
    public void Remove(ILibvirtStoragePool p, ILibvirtStorageVolume v)
    {
        if (StorageUsers.Read(c).Of(p.Name, v.Name, v.Path) is { Length: > 0 } guests)
            throw new VirtToolsException(Ids.InUse, FailureKind.ResourceBusy,
                $"Volume '{v.Name}' of pool '{p.Name}' ({v.Path}) is a disk of guest {string.Join(", ", guests.Select(g => $"'{g}'"))}. Nothing was deleted.",
                v.Name, $"Remove the disk from the guest first (Remove-VMGuestDisk {guests[0]} -Target ...), or the guest with Remove-VMGuest -RemoveStorage.");
        v.Delete();
    }
}
