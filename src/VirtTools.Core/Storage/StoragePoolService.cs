using System.Globalization;
using System.Xml.Linq;
using VirtTools.Guests;
using VirtTools.Host;
using VirtTools.Libvirt;

namespace VirtTools.Storage;

/// <summary>
/// Get-, New-, Remove-VMStoragePool: reads pools, makes a dir pool (define, build, start, autostart, all
/// undone when a step fails) after checking its name and path, and removes one no guest uses.
/// </summary>
public sealed partial class StoragePoolService(ILibvirtConnection c, HostContext host)
{
    public static class Ids
    {
        public const string NotFound = "StoragePoolNotFound";
        public const string InvalidName = "InvalidStoragePoolName";
        public const string NameInUse = "StoragePoolNameInUse";
        public const string InvalidPath = "InvalidStoragePoolPath";
        public const string PathIsFile = "StoragePoolPathIsFile";
        public const string PathInUse = "StoragePoolPathInUse";
        public const string InUse = "StoragePoolInUse";
        public const string PathMissing = "StoragePoolPathRequired";
        public const string InvalidSource = "InvalidStoragePoolSource";
        public const string DeviceNotFound = "StoragePoolDeviceNotFound";
        public const string DeviceInUse = "StoragePoolDeviceInUse";
        public const string DeviceNotEmpty = "StoragePoolDeviceNotEmpty";
    }

    private const string NothingCreated = "Nothing was created.";

    public static VMStoragePool Read(ILibvirtStoragePool p, string connectionUri)
    {
        var root = XDocument.Parse(p.GetXml()).Root!;
        return new VMStoragePool
        {
            Name = p.Name,
            Type = (string?)root.Attribute("type") ?? "",
            Active = p.IsActive,
            Autostart = p.Autostart,
            Persistent = p.IsPersistent,
            Path = (string?)root.Element("target")?.Element("path"),
            Source = SourceText(root.Element("source")),
            SourceDevices = root.Element("source")?.Elements("device").Select(d => (string?)d.Attribute("path")).OfType<string>().ToArray() ?? Array.Empty<string>(),
            CapacityBytes = Bytes(root.Element("capacity")),
            AllocationBytes = Bytes(root.Element("allocation")),
            AvailableBytes = Bytes(root.Element("available")),
            ConnectionUri = connectionUri,
        };
    }

    /// <summary>A capacity element in bytes (libvirt writes unit='bytes'; other units are scaled as formatstorage defines them).</summary>
    internal static long Bytes(XElement? e)
    {
        if (e is null || !long.TryParse(e.Value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return 0;
        var scale = ((string?)e.Attribute("unit") ?? "bytes") switch
        {
            "bytes" or "b" => 1L,
            "KiB" or "k" or "K" => 1L << 10,
            "MiB" or "M" or "m" => 1L << 20,
            "GiB" or "G" or "g" => 1L << 30,
            "TiB" or "T" or "t" => 1L << 40,
            "KB" => 1000L, "MB" => 1000_000L, "GB" => 1000_000_000L, "TB" => 1000_000_000_000L,
            _ => 1L,
        };
        return n * scale;
    }

    public static VirtToolsException NotFound(ILibvirtConnection c, string name) =>
        new(Ids.NotFound, FailureKind.ObjectNotFound, $"No storage pool named '{name}' on {c.Uri}.", name, $"Run Get-VMStoragePool -ConnectionUri {c.Uri} to list the pools.");

    /// <summary>A pool or volume name: one path component (no '/', '..', NUL or other control characters).</summary>
    public static void ValidateName(string id, string what, string? name)
    {
        if (InputText.WhyNotAName(name, 200) is { } why)
            throw new VirtToolsException(id, FailureKind.InvalidArgument,
                $"'{InputText.Shown(name)}' is not a usable {what} name: {why}. It becomes a file name, which must stay in its directory. {NothingCreated}",
                name, "Use letters, digits, '-', '_' and '.'.");
    }

    /// <summary>A dir pool's XML after the checks (see <see cref="Plan(StoragePoolRequest)"/>).</summary>
    public XElement Plan(string name, string path) => Plan(new StoragePoolRequest(name, StoragePoolType.Dir) { Path = path });

    /// <summary>
    /// The pool's XML after the checks: name free; a dir or netfs path absolute, plain, not a file, no other
    /// pool's; a logical pool's volume group and devices, a netfs pool's server and export (in .Sources.cs).
    /// </summary>
    public XElement Plan(StoragePoolRequest r)
    {
        ValidateName(Ids.InvalidName, "storage pool", r.Name);
        using (var existing = c.FindStoragePool(r.Name))
            if (existing is not null)
                throw new VirtToolsException(Ids.NameInUse, FailureKind.ResourceExists, $"Storage pool '{r.Name}' already exists on {c.Uri}. {NothingCreated}", r.Name,
                    "Choose another name, or remove the old pool with Remove-VMStoragePool.");
        return r.Type switch
        {
            StoragePoolType.Logical => PlanLogical(r),
            StoragePoolType.Netfs => PlanNetfs(r),
            _ => new XElement("pool", new XAttribute("type", "dir"), new XElement("name", r.Name),
                new XElement("target", new XElement("path", CheckTargetPath(r, "a dir pool keeps its volumes in a directory")))),
        };
    }

    /// <summary>A dir pool's directory or a netfs pool's mount point: absolute, plain, not a file, no other pool's.</summary>
    private string CheckTargetPath(StoragePoolRequest r, string why)
    {
        var path = r.Path;
        if (string.IsNullOrEmpty(path))
            throw new VirtToolsException(Ids.PathMissing, FailureKind.InvalidArgument,
                $"A {r.Type.ToString().ToLowerInvariant()} pool needs -Path ({why}). {NothingCreated}", r.Name,
                r.Type == StoragePoolType.Netfs ? "Give the mount point, e.g. -Path /var/lib/libvirt/images/nfs." : "Give the directory, e.g. -Path /srv/images.");
        if (!path.StartsWith('/') || path.Split('/').Any(s => s is "." or "..") || InputText.FirstControl(path) is not null)
            throw new VirtToolsException(Ids.InvalidPath, FailureKind.InvalidArgument,
                $"-Path '{InputText.Shown(path)}' is not an absolute path without '.' or '..' components. {NothingCreated}", path,
                "Give the directory as an absolute path, e.g. -Path /srv/images.");
        var clean = path.Length > 1 ? path.TrimEnd('/') : path;
        if (GuestCreator.IsLocalUri(c.Uri) && host.Files.Exists(clean) && !host.Files.DirectoryExists(clean))
            throw new VirtToolsException(Ids.PathIsFile, FailureKind.InvalidArgument,
                $"-Path {clean} exists and is not a directory: {why}. {NothingCreated}", clean,
                "Give a directory, or a path that does not exist yet (the pool's build makes it).");
        foreach (var p in c.ListStoragePools())
            using (p)
                if (Read(p, c.Uri).Path is { } other && other.TrimEnd('/') == clean)
                    throw new VirtToolsException(Ids.PathInUse, FailureKind.ResourceExists,
                        $"Storage pool '{p.Name}' already keeps its volumes in {clean}: two pools on one directory would each delete the other's volumes. {NothingCreated}",
                        clean, $"Use pool '{p.Name}', or give another directory.");
        return clean;
    }

    /// <summary>
    /// Defines, builds (a dir or netfs pool's directory; a logical pool's volume group when devices are
    /// given), starts and (with autostart) marks the pool; a failed step undoes the earlier ones.
    /// </summary>
    public VMStoragePool Create(XElement xml, bool autostart)
    {
        var type = (string?)xml.Attribute("type");
        // A logical pool without devices names a volume group that exists already: building it would run vgcreate with no members.
        var build = type != "logical" || xml.Element("source")?.Elements("device").Any() == true;
        var p = c.DefineStoragePool(xml.ToString(SaveOptions.DisableFormatting));
        var path = (string?)xml.Element("target")?.Element("path");
        var existed = type == "logical" ? !build : path is not null && GuestCreator.IsLocalUri(c.Uri) && host.Files.DirectoryExists(path);
        var built = false;
        try
        {
            if (build)
            {
                try { p.Build(); }
                catch (LibvirtException e) when (type == "logical" && e.Code == PoolAlreadyBuilt)
                {
                    throw new VirtToolsException(Ids.DeviceNotEmpty, FailureKind.ResourceExists,
                        $"libvirt will not write a volume group over the devices: {e.Message}. {NothingCreated}",
                        string.Join(", ", xml.Element("source")!.Elements("device").Select(d => (string?)d.Attribute("path"))),
                        "A device that holds a file system, a partition table or another volume group keeps it: choose an empty device, or wipe it yourself (wipefs -a DEVICE) when you are sure its data can go.");
                }
                built = true;
            }
            p.Start();
            if (autostart) p.Autostart = true;
            return Read(p, c.Uri);
        }
        catch (VirtToolsException)
        {
            try { if (p.IsActive) p.Stop(); } catch (LibvirtException) { }
            // Only what this command made goes again: a directory while it is empty (virStoragePoolDelete refuses otherwise), a volume group it created.
            try { if (built && !existed) p.DeleteStorage(); } catch (LibvirtException) { }
            try { p.Undefine(); } catch (LibvirtException) { }
            throw;
        }
        finally { p.Dispose(); }
    }

    /// <summary>VIR_ERR_STORAGE_POOL_BUILT: the build found a signature on a device and was not told to overwrite it.</summary>
    private const int PoolAlreadyBuilt = 76;

    /// <summary>
    /// Stops and undefines the pool; refuses one with a volume a guest uses (naming both). With
    /// <paramref name="deleteContents"/> its volumes and its directory are deleted first.
    /// </summary>
    public void Remove(ILibvirtStoragePool p, bool deleteContents)
    {
        if (p.IsActive)
        {
            p.Refresh();
            var users = StorageUsers.Read(c);
            var vols = p.ListVolumes();
            try
            {
                var used = vols.Select(v => (v.Name, Guests: users.Of(p.Name, v.Name, v.Path))).Where(u => u.Guests.Length > 0).ToList();
                if (used.Count > 0)
                    throw new VirtToolsException(Ids.InUse, FailureKind.ResourceBusy,
                        $"Storage pool '{p.Name}' has volumes guests use: {string.Join("; ", used.Select(u => $"{u.Name} (guest {string.Join(", ", u.Guests.Select(g => $"'{g}'"))})"))}. Nothing was changed.",
                        p.Name, "Remove the disks from the guests (Remove-VMGuestDisk) or the guests first.");
                if (deleteContents)
                    foreach (var v in vols) v.Delete();
            }
            finally { foreach (var v in vols) v.Dispose(); }
            if (deleteContents) { p.Stop(); p.DeleteStorage(); }
            else p.Stop();
        }
        else if (deleteContents) p.DeleteStorage();
        if (p.IsPersistent) p.Undefine();
    }
}
