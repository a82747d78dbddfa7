using System.Xml.Linq;
using VirtTools.Guests;
using VirtTools.Host;
using VirtTools.Libvirt;

namespace VirtTools.Storage;

/// <summary>
/// The logic of Add-, Remove-, Resize-VMGuestDisk and Set-VMGuestDvdDrive: every refusal known in
/// advance before any call, then a <see cref="GuestChangePlan"/> whose steps run live first (libvirt's
/// hot-plug calls), then on the definition (the inactive XML redefined, as virt-xml does), each with
/// its undo, so a definition that refuses after the running guest changed leaves the guest as it was.
/// </summary>
public sealed class GuestDiskService(ILibvirtConnection connection, IHostFileSystem files)
{
    public static class Ids
    {
        public const string NotRunning = GuestConfigurator.Ids.NotRunning;
        public const string NotPersistent = GuestConfigurator.Ids.NotPersistent;
        public const string NoSource = "DiskSourceMissing";
        public const string InvalidSize = "InvalidDiskSize";
        public const string InvalidBus = "InvalidDiskBus";
        public const string NoFreeTarget = "NoFreeDiskTarget";
        public const string AlreadyAttached = "DiskAlreadyAttached";
        public const string VolumeExists = "DiskExists";
        public const string PoolNotFound = "StoragePoolNotFound";
        public const string PoolInactive = "StoragePoolInactive";
        public const string TargetNotFound = "DiskTargetNotFound";
        public const string BootDisk = "BootDiskInUse";
        public const string InUseElsewhere = "DiskInUseByOtherGuest";
        public const string DetachPending = "DiskDetachPending";
        public const string NotResizable = "DiskNotResizable";
        public const string NotInPool = "DiskNotInStoragePool";
        public const string Shrink = "DiskShrinkRefused";
        public const string NoDvdDrive = "DvdDriveNotFound";
        public const string AttachRefused = "DiskAttachRefused";
        public const string DetachRefused = "DiskDetachRefused";
        public const string ResizeRefused = "DiskResizeRefused";
        public const string MediaRefused = "MediaChangeRefused";
        public const string VolumeRefused = "VolumeCreateRefused";
        public const string DeleteRefused = "VolumeDeleteRefused";
    }

    /// <summary>How long a live unplug may take before -RemoveStorage gives up deleting (the guest OS must release the device).</summary>
    public TimeSpan DetachTimeout { get; init; } = TimeSpan.FromSeconds(15);

    private const DomainModificationFlags Live = DomainModificationFlags.Live;
    private const DomainXmlFlags ConfigXml = DomainXmlFlags.Inactive | DomainXmlFlags.Secure;

    /// <summary>The running guest's XML and the definition's, each null when the scope leaves that side alone.</summary>
    private sealed record Sides(XElement? Live, XElement? Config, List<string> Warnings);

    private static Sides SidesOf(ILibvirtDomain d, GuestChangeScope scope)
    {
        var name = d.Name;
        var active = d.IsActive;
        var persistent = d.IsPersistent;
        if (scope == GuestChangeScope.Live && !active)
            throw new VirtToolsException(Ids.NotRunning, FailureKind.InvalidOperation, $"Guest '{name}' is not running, so -Live has nothing to change.",
                name, $"Leave out -Live to change its definition, or start it first: Start-VMGuest {name}");
        if (scope == GuestChangeScope.Persistent && !persistent)
            throw new VirtToolsException(Ids.NotPersistent, FailureKind.InvalidOperation,
                $"Guest '{name}' is transient: it has no definition for -Persistent to change.", name, "Leave out -Persistent to change the running guest only.");
        var live = active && scope != GuestChangeScope.Persistent ? XDocument.Parse(d.GetXml()).Root! : null;
        var config = persistent && scope != GuestChangeScope.Live ? XDocument.Parse(d.GetXml(ConfigXml)).Root! : null;
        var warnings = new List<string>();
        if (active && live is null)
            warnings.Add($"Guest '{name}' is running: -Persistent changes its definition only; the change takes effect at the next boot.");
        return new Sides(live, config, warnings);
    }

    private void Define(XElement domain)
    {
        using var _ = connection.DefineDomain(domain.ToString(SaveOptions.DisableFormatting));
    }

    private GuestChangeStep Redefine(string description, string refusalId, string advice, XElement before, XElement after) =>
        new(description, refusalId, advice, () => Define(after), () => Define(before));

    private static VirtToolsException TargetMissing(ILibvirtDomain d, string target) =>
        new(Ids.TargetNotFound, FailureKind.ObjectNotFound, $"Guest '{d.Name}' has no disk with target '{target}'.", target,
            $"List its disks with Get-VMGuestDisk {d.Name}.");

    // ---- Add ----

    public DiskChange PlanAdd(ILibvirtDomain d, DiskAddRequest r, GuestChangeScope scope)
    {
        var name = d.Name;
        if ((r.Path is null) == (r.NewSizeBytes is null))
            throw new VirtToolsException(Ids.NoSource, FailureKind.InvalidArgument, "Give either -Path (an existing image) or -NewSizeBytes (a new volume).",
                name, "Add-VMGuestDisk NAME -Path /var/lib/libvirt/images/data.qcow2, or -NewSizeBytes 10GB -StoragePool default.");
        var sides = SidesOf(d, scope);
        var anyXml = sides.Live ?? sides.Config!;
        var xen = (string?)anyXml.Attribute("type") == "xen";
        var bus = r.Bus ?? (xen ? "xen" : "virtio");
        if (!DiskTargetPlanner.Buses.Contains(bus))
            throw new VirtToolsException(Ids.InvalidBus, FailureKind.InvalidArgument, $"'{bus}' is not a disk bus VirtTools knows.", bus,
                "Use virtio, scsi or sata.");
        // Both sides count: a target free in the running guest may be taken in its definition.
        var everything = XDocument.Parse(d.GetXml()).Root!;
        XElement? inactive = d.IsPersistent ? XDocument.Parse(d.GetXml(DomainXmlFlags.Inactive)).Root! : null;
        var target = DiskTargetPlanner.Next(bus, GuestDiskReader.UsedTargets(everything, inactive))
            ?? throw new VirtToolsException(Ids.NoFreeTarget, FailureKind.LimitsExceeded, $"Guest '{name}' has no free target on the {bus} bus.", name,
                "Use another bus (-Bus virtio, scsi or sata).");

        var steps = new List<GuestChangeStep>();
        string path, format, type;
        if (r.NewSizeBytes is long size)
        {
            (path, format, type) = PlanVolume(d, r, size, target, steps);
        }
        else
        {
            path = r.Path!;
            foreach (var x in new[] { everything, inactive })
                if (x is not null && GuestDiskReader.Elements(x).FirstOrDefault(e => GuestDiskReader.SourceText(e) == path) is { } held)
                    throw new VirtToolsException(Ids.AlreadyAttached, FailureKind.ResourceExists,
                        $"{path} is already disk '{GuestDiskReader.TargetOf(held)}' of guest '{name}'.", path, $"Get-VMGuestDisk {name} shows it.");
            // virt-install asks before giving a second guest a disk; a cmdlet says so instead.
            if (!r.ReadOnly && OtherGuestUsing(d, path) is { } user)
                sides.Warnings.Add(r.Shareable
                    ? $"{path} is also a disk of guest '{user}': both write to it; only a cluster file system keeps that consistent."
                    : $"{path} is also a disk of guest '{user}': two guests writing one image corrupt it. Give it to one guest, or -Shareable to both with a cluster file system.");
            var probe = new DiskImageProbe(connection, files);
            format = probe.Format(path, "-NewSizeBytes with -StoragePool");
            type = probe.IsBlockDevice(path) ? "block" : "file";
        }

        var disk = new XElement("disk", new XAttribute("type", type), new XAttribute("device", "disk"),
            new XElement("driver", xen ? null : new XAttribute("name", "qemu"), new XAttribute("type", format)),
            new XElement("source", new XAttribute(type == "block" ? "dev" : "file", path)),
            new XElement("target", new XAttribute("dev", target), new XAttribute("bus", bus)),
            r.ReadOnly ? new XElement("readonly") : null,
            r.Shareable ? new XElement("shareable") : null);
        var what = $"disk {target} ({path})";
        const string advice = "Check the image with qemu-img info and the guest with Get-VMGuestDisk; a running guest needs a bus that can hot-plug (virtio or scsi).";
        if (sides.Live is { } live)
        {
            if (NeedsScsiController(bus, live, xen) is { } controller)
                steps.Add(new GuestChangeStep("hot-plug a virtio-scsi controller into the running instance", Ids.AttachRefused, advice,
                    () => d.AttachDevice(controller.ToString(), Live), () => d.DetachDevice(controller.ToString(), Live)));
            steps.Add(new GuestChangeStep($"hot-plug {what} into the running instance", Ids.AttachRefused, advice,
                () => d.AttachDevice(disk.ToString(), Live), () => d.DetachDevice(disk.ToString(), Live)));
        }
        if (sides.Config is { } config)
        {
            var after = new XElement(config);
            var devices = after.Element("devices") ?? throw new FormatException("domain XML without <devices>");
            var last = GuestDiskReader.Elements(after).LastOrDefault();
            if (last is not null) last.AddAfterSelf(new XElement(disk));
            else devices.AddFirst(new XElement(disk));
            if (NeedsScsiController(bus, after, xen) is { } controller) devices.Add(controller);
            steps.Add(Redefine($"add {what} to the definition", Ids.AttachRefused, advice, config, after));
        }
        return new DiskChange(target, new GuestChangePlan(d, steps, sides.Warnings));
    }

    /// <summary>virt-install adds a virtio-scsi controller with the first SCSI disk; libvirt's own default (lsi) has no driver in most guests.</summary>
    private static XElement? NeedsScsiController(string bus, XElement domain, bool xen) =>
        bus == "scsi" && !xen && domain.Element("devices")?.Elements("controller").Any(c => (string?)c.Attribute("type") == "scsi") != true
            ? new XElement("controller", new XAttribute("type", "scsi"), new XAttribute("model", "virtio-scsi"))
            : null;

    private (string Path, string Format, string Type) PlanVolume(ILibvirtDomain d, DiskAddRequest r, long size, string target, List<GuestChangeStep> steps)
    {
        if (size < 1L << 20)
            throw new VirtToolsException(Ids.InvalidSize, FailureKind.InvalidArgument, $"-NewSizeBytes {size} is smaller than 1 MiB.", size,
                "Give the size with a unit, e.g. -NewSizeBytes 10GB.");
        var poolName = r.StoragePool ?? "default";
        using var pool = connection.FindStoragePool(poolName)
            ?? throw new VirtToolsException(Ids.PoolNotFound, FailureKind.ObjectNotFound, $"Storage pool '{poolName}' does not exist on {connection.Uri}.",
                poolName, "List pools with 'virsh pool-list --all', or name one with -StoragePool.");
        if (!pool.IsActive)
            throw new VirtToolsException(Ids.PoolInactive, FailureKind.ResourceUnavailable, $"Storage pool '{poolName}' is not running.", poolName,
                $"Start it: virsh pool-start {poolName}");
        var poolXml = XDocument.Parse(pool.GetXml()).Root!;
        // File pools hold qcow2 images; a logical or disk pool hands out block devices, where qcow2 buys nothing.
        var filePool = StorageVolumeService.HoldsFiles((string?)poolXml.Attribute("type"));
        var format = filePool ? "qcow2" : "raw";
        var volumeName = $"{d.Name}-{target}" + (filePool ? ".qcow2" : "");
        var dir = ((string?)poolXml.Element("target")?.Element("path"))?.TrimEnd('/');
        var path = dir is null ? volumeName : dir + "/" + volumeName;
        using (var old = pool.FindVolume(volumeName))
            if (old is not null)
                throw new VirtToolsException(Ids.VolumeExists, FailureKind.ResourceExists, $"Volume {path} already exists; Add-VMGuestDisk never overwrites one.",
                    path, $"Attach it with -Path {path}, or remove it first (virsh vol-delete {volumeName} --pool {poolName}).");
        var xml = new XElement("volume", new XElement("name", volumeName), new XElement("capacity", new XAttribute("unit", "bytes"), size),
            new XElement("target", new XElement("format", new XAttribute("type", format)))).ToString();
        steps.Add(new GuestChangeStep($"create volume {volumeName} ({GuestConfigurator.Size(size)}) in pool '{poolName}'", Ids.VolumeRefused,
            $"Check the pool's free space: virsh pool-info {poolName}.",
            () => { using var p = connection.FindStoragePool(poolName); using var v = p!.CreateVolume(xml); },
            () => { using var p = connection.FindStoragePool(poolName); using var v = p?.FindVolume(volumeName); v?.Delete(); }));
        return (path, format, filePool ? "file" : "block");
    }

    // ---- Remove ----

    public DiskChange PlanRemove(ILibvirtDomain d, string target, bool removeStorage, bool force, GuestChangeScope scope)
    {
        var name = d.Name;
        var sides = SidesOf(d, scope);
        var liveDisk = sides.Live is null ? null : GuestDiskReader.Find(sides.Live, target);
        var configDisk = sides.Config is null ? null : GuestDiskReader.Find(sides.Config, target);
        var disk = liveDisk ?? configDisk ?? throw TargetMissing(d, target);
        if (d.IsActive && !force)
        {
            var running = sides.Live ?? XDocument.Parse(d.GetXml()).Root!;
            if (GuestDiskReader.BootTarget(running) == target)
                throw new VirtToolsException(Ids.BootDisk, FailureKind.InvalidOperation,
                    $"Disk '{target}' is what running guest '{name}' booted from; removing it can crash the guest.", target,
                    $"Stop the guest first (Stop-VMGuest {name}), or add -Force if the guest no longer uses it.");
        }
        var steps = new List<GuestChangeStep>();
        var what = $"disk {target}";
        const string advice = "The guest OS must release the device (unmount it first); check with Get-VMGuestDisk.";
        if (liveDisk is not null)
            steps.Add(new GuestChangeStep($"unplug {what} from the running instance", Ids.DetachRefused, advice,
                () => d.DetachDevice(liveDisk.ToString(), Live), () => d.AttachDevice(liveDisk.ToString(), Live)));
        if (configDisk is not null)
        {
            var after = new XElement(sides.Config!);
            GuestDiskReader.Find(after, target)!.Remove();
            steps.Add(Redefine($"remove {what} from the definition", Ids.DetachRefused, advice, sides.Config!, after));
        }
        if (removeStorage) PlanStorageRemoval(d, disk, liveDisk is not null, steps, sides.Warnings);
        return new DiskChange(target, new GuestChangePlan(d, steps, sides.Warnings));
    }

    private void PlanStorageRemoval(ILibvirtDomain d, XElement disk, bool unplugged, List<GuestChangeStep> steps, List<string> warnings)
    {
        var target = GuestDiskReader.TargetOf(disk);
        var source = GuestDiskReader.SourceText(disk);
        if ((string?)disk.Attribute("device") is "cdrom" or "floppy" || source is null)
        {
            warnings.Add($"Disk '{target}' of guest '{d.Name}' is removable media; its image is never deleted.");
            return;
        }
        var type = (string?)disk.Attribute("type") ?? "file";
        ILibvirtStorageVolume? Lookup()
        {
            if (type == "volume") return VolumeOf(disk);
            return type is "file" or "block" ? connection.FindStorageVolume(source) : null;
        }
        using (var v = Lookup())
            if (v is null)
            {
                warnings.Add($"{source} is not a libvirt volume; it was left in place (delete it yourself if nothing else uses it).");
                return;
            }
        if (OtherGuestUsing(d, source) is { } user)
            throw new VirtToolsException(Ids.InUseElsewhere, FailureKind.ResourceBusy,
                $"{source} is also a disk of guest '{user}'; it was not removed.", source,
                "Leave out -RemoveStorage, or remove the disk from the other guest first.");
        steps.Add(new GuestChangeStep($"delete volume {source}", Ids.DeleteRefused, "Check the pool with virsh vol-list.", () =>
        {
            if (unplugged) WaitUnplugged(d, target, source);
            using var v = Lookup();
            v?.Delete();
        }, () => { }));
    }

    /// <summary>The name of another guest whose definition (or, when transient, running XML) has a disk on <paramref name="source"/>.</summary>
    private string? OtherGuestUsing(ILibvirtDomain d, string source)
    {
        string? user = null;
        foreach (var other in connection.ListDomains())
            using (other)
            {
                if (user is not null || other.Uuid == d.Uuid) continue;
                var xml = XDocument.Parse(other.GetXml(other.IsPersistent ? DomainXmlFlags.Inactive : DomainXmlFlags.None)).Root!;
                if (GuestDiskReader.Elements(xml).Any(e => GuestDiskReader.SourceText(e) == source)) user = other.Name;
            }
        return user;
    }

    /// <summary>A live unplug finishes when the guest OS lets go; deleting the image before would pull it from under a running guest.</summary>
    private void WaitUnplugged(ILibvirtDomain d, string target, string source)
    {
        var until = DateTime.UtcNow + DetachTimeout;
        while (true)
        {
            if (GuestDiskReader.Find(XDocument.Parse(d.GetXml()).Root!, target) is null) return;
            if (DateTime.UtcNow >= until)
                throw new VirtToolsException(Ids.DetachPending, FailureKind.OperationTimeout,
                    $"Guest '{d.Name}' has not released disk '{target}' within {DetachTimeout.TotalSeconds:0} s, so {source} was kept.", target,
                    $"Check that the guest OS no longer uses it, then delete the volume: virsh vol-delete {source}");
            Thread.Sleep(200);
        }
    }

    // ---- Resize ----

    public DiskChange PlanResize(ILibvirtDomain d, string target, long bytes)
    {
        var name = d.Name;
        if (bytes <= 0)
            throw new VirtToolsException(Ids.InvalidSize, FailureKind.InvalidArgument, $"-SizeBytes {bytes} is not a disk size.", bytes,
                "Give the new size with a unit, e.g. -SizeBytes 20GB.");
        var active = d.IsActive;
        var xml = XDocument.Parse(d.GetXml(active ? DomainXmlFlags.None : DomainXmlFlags.Inactive)).Root!;
        var disk = GuestDiskReader.Find(xml, target) ?? throw TargetMissing(d, target);
        if (((string?)disk.Attribute("device") ?? "disk") != "disk")
            throw new VirtToolsException(Ids.NotResizable, FailureKind.InvalidOperation,
                $"Disk '{target}' of guest '{name}' is a {(string?)disk.Attribute("device")}; only disks can grow.", target,
                $"Change its medium with Set-VMGuestDvdDrive {name} -Path <image>.");
        var source = GuestDiskReader.SourceText(disk);
        long current;
        Action grow;
        string how;
        if (active)
        {
            current = d.GetBlockInfo(target).CapacityBytes;
            grow = () => d.BlockResize(target, bytes);
            how = "in the running instance";
        }
        else
        {
            ILibvirtStorageVolume? Lookup() => source is null ? null
                : (string?)disk.Attribute("type") == "volume"
                    ? VolumeOf(disk)
                    : connection.FindStorageVolume(source);
            using (var v = Lookup())
            {
                if (v is null)
                    throw new VirtToolsException(Ids.NotInPool, FailureKind.ObjectNotFound,
                        $"{source ?? target} is not a libvirt volume, so guest '{name}' being shut off, there is nothing to resize it through.", source ?? target,
                        $"Put it in a storage pool (virsh pool-refresh) and try again, or start the guest and resize it live.");
                current = v.CapacityBytes;
            }
            grow = () => { using var v = Lookup(); v!.Resize(bytes); };
            how = "through its volume";
        }
        var warnings = new List<string>();
        var steps = new List<GuestChangeStep>();
        if (bytes < current)
            throw new VirtToolsException(Ids.Shrink, FailureKind.InvalidArgument,
                $"-SizeBytes {GuestConfigurator.Size(bytes)} is smaller than disk '{target}' ({GuestConfigurator.Size(current)}); shrinking a disk destroys the data beyond the new end.",
                target, "Give a size at least as large as the disk; to shrink, shrink the file system in the guest first and copy the data to a new, smaller disk.");
        if (bytes == current) warnings.Add($"Disk '{target}' of guest '{name}' is already {GuestConfigurator.Size(current)}; nothing changed.");
        else
            steps.Add(new GuestChangeStep($"grow disk {target} from {GuestConfigurator.Size(current)} to {GuestConfigurator.Size(bytes)} {how}",
                Ids.ResizeRefused, "Check the free space where the image lives, and that no snapshot or backing chain holds it.", grow, () => { }));
        return new DiskChange(target, new GuestChangePlan(d, steps, warnings));
    }

    private ILibvirtStorageVolume? VolumeOf(XElement disk)
    {
        var s = disk.Element("source")!;
        using var p = connection.FindStoragePool((string?)s.Attribute("pool") ?? "");
        return p?.FindVolume((string?)s.Attribute("volume") ?? "");
    }

    // ---- Media ----

    /// <summary>Inserts <paramref name="iso"/> into the guest's DVD drive (the first, or <paramref name="target"/>), or ejects with null.</summary>
    public DiskChange PlanMedia(ILibvirtDomain d, string? target, string? iso, bool force, GuestChangeScope scope)
    {
        var name = d.Name;
        var sides = SidesOf(d, scope);
        XElement? Drive(XElement? domain) => domain is null ? null
            : GuestDiskReader.Elements(domain).FirstOrDefault(e => (string?)e.Attribute("device") == "cdrom" && (target is null || GuestDiskReader.TargetOf(e) == target));
        var liveDrive = Drive(sides.Live);
        var configDrive = Drive(sides.Config);
        var drive = liveDrive ?? configDrive
            ?? throw new VirtToolsException(Ids.NoDvdDrive, FailureKind.ObjectNotFound,
                target is null ? $"Guest '{name}' has no DVD drive." : $"Guest '{name}' has no DVD drive with target '{target}'.", target ?? name,
                $"List its drives with Get-VMGuestDisk {name}; a drive is added to a shut-off guest, e.g. virt-xml {name} --add-device --disk device=cdrom,bus=sata.");
        var driveTarget = GuestDiskReader.TargetOf(drive);
        if (iso is not null) new DiskImageProbe(connection, files).CheckReadable(iso);
        var steps = new List<GuestChangeStep>();
        var what = iso is null ? $"eject the medium of {driveTarget}" : $"insert {iso} into {driveTarget}";
        const string advice = "A guest that locked its tray refuses an eject; unmount the disc in the guest, or add -Force.";
        if (liveDrive is not null)
        {
            var after = WithMedium(liveDrive, iso);
            var flags = Live | (force ? (DomainModificationFlags)4 : 0); // VIR_DOMAIN_DEVICE_MODIFY_FORCE: eject a locked tray
            steps.Add(new GuestChangeStep($"{what} in the running instance", Ids.MediaRefused, advice,
                () => d.UpdateDevice(after.ToString(), flags), () => d.UpdateDevice(liveDrive.ToString(), flags)));
        }
        if (configDrive is not null)
        {
            var after = new XElement(sides.Config!);
            Drive(after)!.ReplaceWith(WithMedium(configDrive, iso));
            steps.Add(Redefine($"{what} in the definition", Ids.MediaRefused, advice, sides.Config!, after));
        }
        return new DiskChange(driveTarget, new GuestChangePlan(d, steps, sides.Warnings));
    }

    private static XElement WithMedium(XElement drive, string? iso)
    {
        var x = new XElement(drive);
        x.Element("source")?.Remove();
        x.Element("backingStore")?.Remove();
        if (iso is null) return x;
        x.SetAttributeValue("type", iso.StartsWith("/dev/", StringComparison.Ordinal) ? "block" : "file");
        // An old qcow2 format on the drive would make QEMU misread a raw ISO.
        x.Element("driver")?.SetAttributeValue("type", "raw");
        var source = new XElement("source", new XAttribute((string?)x.Attribute("type") == "block" ? "dev" : "file", iso));
        if (x.Element("driver") is { } driver) driver.AddAfterSelf(source);
        else x.AddFirst(source);
        return x;
    }
}
