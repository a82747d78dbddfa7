using System.Xml.Linq;
using VirtTools.Libvirt;
using VirtTools.Provisioning;

namespace VirtTools.Guests;

public sealed partial class GuestCreator
{
    /// <summary>The base-image disk New-VMGuest plans (null without -BaseImage); checked, nothing made.</summary>
    private BaseDiskVolume? PlanBaseDisk(GuestRequest r, List<string> warnings)
    {
        if (r.BaseImage is not { } spec)
        {
            if (r.CopyBaseImage)
                throw new VirtToolsException("CopyBaseImageNeedsBaseImage", FailureKind.InvalidArgument, "-CopyBaseImage needs -BaseImage. Nothing was created.",
                    null, "Add -BaseImage PATH or POOL/VOLUME.");
            return null;
        }
        var image = BaseImage.Resolve(_c, _host.Files, _local, spec);
        var (pool, name, path) = PlanPoolVolume(r.StoragePool, r.Name + ".qcow2");
        if (path == image.Path) throw VolumeExists(path);
        long? size = r.NewDiskSizeBytes;
        if (size is long s && image.CapacityBytes is long bc && s < bc)
            throw new VirtToolsException("DiskSmallerThanBaseImage", FailureKind.InvalidArgument,
                $"-NewDiskSizeBytes {s >> 20} MiB is smaller than base image {image.Path} ({bc >> 20} MiB): a disk made from it cannot shrink. Nothing was created.", s,
                $"Leave out -NewDiskSizeBytes (the disk then has the image's size), or give at least {bc} bytes.");
        string? copyFrom = null;
        if (r.CopyBaseImage)
        {
            using var src = _c.FindStorageVolume(image.Path);
            if (src is null)
                throw new VirtToolsException("BaseImageNotAVolume", FailureKind.InvalidArgument,
                    $"-CopyBaseImage copies through libvirt, but {image.Path} is in no storage pool. Nothing was created.", image.Path,
                    "Import it into a pool first (Import-VMStorageVolume), or leave out -CopyBaseImage for an overlay.");
            copyFrom = image.Path;
        }
        var capacity = size ?? image.CapacityBytes;
        if (capacity is null && copyFrom is null)
            throw new VirtToolsException("BaseImageSizeUnknown", FailureKind.InvalidArgument,
                $"The size of raw image {image.Path} cannot be read here (it is in no storage pool). Nothing was created.", image.Path,
                "Give -NewDiskSizeBytes (at least the image's size), or put the image into a pool (virsh pool-refresh, Import-VMStorageVolume).");
        if (capacity is long cap && PoolSpaceWarning(pool, PoolXml(pool), cap) is { } full) warnings.Add(full);
        return new BaseDiskVolume(pool, name, path, image.Path, image.Format, capacity, copyFrom,
            copyFrom is not null && size is long grow && grow > (image.CapacityBytes ?? 0) ? grow : null);
    }

    private SeedVolume? PlanSeed(GuestRequest r)
    {
        if (r.CloudInit is not { } ci) return null;
        var image = SeedIsoWriter.Build(CloudInitSeed.Files(r.Name, ci));
        var (pool, name, path) = PlanPoolVolume(r.StoragePool, r.Name + "-cidata.iso");
        return new SeedVolume(pool, name, path, image);
    }

    /// <summary>A new volume's name and path in the pool, refused when that name or file is taken.</summary>
    private (string Pool, string Name, string Path) PlanPoolVolume(string poolName, string name)
    {
        using var pool = _c.FindStoragePool(poolName) ?? throw PoolMissing(poolName);
        var root = XDocument.Parse(pool.GetXml()).Root!;
        // An overlay needs a qcow2 file and a seed an ISO file: a logical pool's volumes are raw block devices.
        if (!Storage.StorageVolumeService.HoldsFiles((string?)root.Attribute("type")))
            throw new VirtToolsException("StoragePoolHoldsNoFiles", FailureKind.InvalidArgument,
                $"Storage pool '{poolName}' is a {(string?)root.Attribute("type")} pool of block devices; {name} must be a file (a qcow2 overlay or a seed ISO). Nothing was created.",
                poolName, "Name a dir or netfs pool with -StoragePool; a logical pool can hold the guest's disk made with -NewDiskSizeBytes alone.");
        var dir = (string?)root.Element("target")?.Element("path");
        var path = dir is null ? name : dir.TrimEnd('/') + "/" + name;
        using (var old = pool.FindVolume(name))
            if (old is not null) throw VolumeExists(path);
        if (_local && _host.Files.Exists(path)) throw VolumeExists(path);
        return (poolName, name, path);
    }

    private string PoolXml(string poolName)
    {
        using var pool = _c.FindStoragePool(poolName) ?? throw PoolMissing(poolName);
        return pool.GetXml();
    }

    /// <summary>
    /// Makes the base-image disk and the seed volume; each is in <paramref name="asked"/> before the call that
    /// makes it, so the caller's rollback deletes it whatever fails after (the daemon's death included).
    /// </summary>
    private void CreateProvisioned(GuestPlan plan, List<AskedVolume> asked)
    {
        if (plan.BaseDisk is { } b)
        {
            using var pool = _c.FindStoragePool(b.Pool) ?? throw PoolMissing(b.Pool);
            var disk = Ask(asked, b.Pool, b.Name, b.Path, "the base-image disk");
            if (b.CopyFrom is { } from)
            {
                using var src = _c.FindStorageVolume(from) ?? throw new VirtToolsException("BaseImageNotFound", FailureKind.ObjectNotFound,
                    $"Base image {from} is gone. Nothing was created.", from, null);
                disk.Made = pool.CreateVolumeFrom(b.Xml(), src);
            }
            else disk.Made = pool.CreateVolume(b.Xml());
            if (b.GrowToBytes is long grow) disk.Made.Resize(grow);
        }
        if (plan.Seed is { } s)
        {
            using var pool = _c.FindStoragePool(s.Pool) ?? throw PoolMissing(s.Pool);
            var seed = Ask(asked, s.Pool, s.Name, s.Path, "the cloud-init seed ISO");
            seed.Made = pool.CreateVolume(s.Xml());
            using var data = new MemoryStream(s.Image, writable: false);
            seed.Made.Upload(data, s.Image.LongLength);
        }
    }
}
