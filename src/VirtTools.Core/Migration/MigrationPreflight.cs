using VirtTools.Guests;

namespace VirtTools.Migration;

/// <summary>What the pre-flight checks know about both ends, gathered before any data moves.</summary>
public sealed record MigrationSituation(
    DomainDefinition Guest, bool IsActive, int SnapshotCount, bool Offline, bool CopyStorage,
    string? SourceHostUuid, string? DestinationHostUuid, bool NameDefinedAtDestination, string DestinationUri)
{
    /// <summary>With -CopyStorage: what the destination has for each disk to copy (empty otherwise).</summary>
    public IReadOnlyList<DestinationDisk> DestinationDisks { get; init; } = Array.Empty<DestinationDisk>();
    /// <summary>-IncludeSnapshots: the snapshots go along instead of being a refusal.</summary>
    public bool IncludeSnapshots { get; init; }
}

/// <summary>
/// The refusals libvirt would give only after opening the migration (or not at all, for local disks:
/// the guest would fail on the destination), each with the fix.
/// </summary>
public static class MigrationPreflight
{
    public static VirtToolsException? Check(MigrationSituation s)
    {
        var name = s.Guest.Name;
        if (s.Offline && s.IsActive)
            return new VirtToolsException("MigrationOfflineGuestRunning", FailureKind.InvalidOperation,
                $"Guest '{name}' is running: -Offline moves only the definition of a stopped guest.", name,
                "Leave out -Offline to move it live, or stop it first with Stop-VMGuest.");
        if (!s.Offline && !s.IsActive)
            return new VirtToolsException("MigrationGuestNotRunning", FailureKind.InvalidOperation,
                $"Guest '{name}' is not running, so there is nothing to move live.", name,
                "Add -Offline to move its definition, or start it first with Start-VMGuest.");

        if (s.SourceHostUuid is not null && string.Equals(s.SourceHostUuid, s.DestinationHostUuid, StringComparison.OrdinalIgnoreCase))
            return new VirtToolsException("MigrationSameHostUuid", FailureKind.InvalidOperation,
                $"Source and destination ({s.DestinationUri}) report the same host UUID {s.SourceHostUuid}: libvirt takes them for one host " +
                "and refuses the migration (cloned machines or identical SMBIOS UUIDs).", name,
                "Give one host its own UUID: set host_uuid in /etc/libvirt/libvirtd.conf (or virtqemud.conf), or host_uuid_source = \"machine-id\" " +
                "with distinct /etc/machine-id files, then restart libvirt there.");

        if (s.NameDefinedAtDestination)
            return new VirtToolsException("MigrationNameTaken", FailureKind.ResourceExists,
                $"A guest named '{name}' is already defined at {s.DestinationUri}.", name,
                "Remove or rename that guest at the destination (Remove-VMGuest -ConnectionUri ...), or move this one elsewhere.");

        if (!s.Offline && s.Guest.PciHostDevices.Count > 0)
            return new VirtToolsException("MigrationWithHostDevice", FailureKind.InvalidOperation,
                $"Guest '{name}' has PCI host devices ({string.Join(", ", s.Guest.PciHostDevices)}): their state cannot be moved, and libvirt refuses.", name,
                "Detach them first with Remove-VMGuestHostDevice -Live, move the guest, then attach the destination's devices with Add-VMGuestHostDevice.");

        if (s.SnapshotCount > 0 && !s.IncludeSnapshots)
            return new VirtToolsException("MigrationWithSnapshots", FailureKind.InvalidOperation,
                $"Guest '{name}' has {s.SnapshotCount} snapshot(s): libvirt refuses to move a guest with snapshot metadata to another host.", name,
                "Add -IncludeSnapshots to take them along (their definitions are moved; their data stays in the qcow2 images, which the " +
                "destination must reach at the same paths). Do not remove them to get past this: Remove-VMGuestSnapshot deletes their data, " +
                "and Remove-VMGuestSnapshot -MetadataOnly leaves the data in the images where libvirt no longer knows it.");
        if (s.SnapshotCount > 0 && s.CopyStorage && CopiedDisks(s.Guest).Any())
            return new VirtToolsException("MigrationSnapshotsNotCopied", FailureKind.InvalidOperation,
                $"Guest '{name}' has {s.SnapshotCount} snapshot(s) inside its disk images, and -CopyStorage copies only the disks' current " +
                "data (QEMU's drive-mirror): the destination's images would have none of them.", name,
                "Stop the guest (Stop-VMGuest) and move it with -Offline -IncludeSnapshots: its images must then be at the same paths " +
                "there, on storage both hosts mount, or copied there with their snapshots while it is stopped (scp or rsync of the qcow2 files).");

        if (!s.Offline && !s.CopyStorage)
        {
            var local = CopiedDisks(s.Guest).ToArray();
            if (local.Length > 0)
                return new VirtToolsException("MigrationLocalDisks", FailureKind.InvalidOperation,
                    $"Guest '{name}' has disks on local storage ({string.Join(", ", local.Select(d => $"{d.Target}: {d.Source}"))}): the destination cannot reach them.", name,
                    "Add -CopyStorage to copy them during the move (the destination needs, at the same paths, either the images (same size and " +
                    "format) or a running storage pool for their directories, in which libvirt creates them), or put them on shared storage " +
                    "(NFS, iSCSI, Ceph) mounted at the same path on both hosts.");
        }

        foreach (var d in s.DestinationDisks)
        {
            if (d.State == DestinationDiskState.PoolInactive)
                return new VirtToolsException("MigrationDestinationPoolInactive", FailureKind.InvalidOperation,
                    $"Disk {d.Disk.Target} of '{name}' ({d.Disk.Source}) would be created in storage pool '{d.Pool}' at {s.DestinationUri}, " +
                    "but that pool is not running.", name,
                    $"Start it there (virsh -c {s.DestinationUri} pool-start {d.Pool}), then move the guest again.");
            if (d is { State: DestinationDiskState.Exists, SourceCapacityBytes: long src, DestinationCapacityBytes: long dst } && dst < src)
                return new VirtToolsException("MigrationDestinationDiskTooSmall", FailureKind.InvalidOperation,
                    $"Disk {d.Disk.Target} of '{name}' is {src} bytes here, but the image at {d.Disk.Source} on {s.DestinationUri} has only {dst} bytes.", name,
                    $"Grow it there to at least {src} bytes (qemu-img resize {d.Disk.Source} {src}) or delete it so that libvirt creates it, then move again.");
        }
        return null;
    }

    /// <summary>
    /// libvirt's answer when a copied disk has neither an image nor a pool at the destination ("no storage
    /// pool with matching target path"), turned into what to create there. It comes from the destination's
    /// prepare step, before any data moved.
    /// </summary>
    public static VirtToolsException DestinationDiskMissing(string guest, IEnumerable<DomainDisk> copied, string destinationUri, Exception inner)
    {
        var disks = copied.Where(d => d.Source is not null).ToArray();
        var dirs = disks.Where(d => d.Pool is null).Select(d => Path.GetDirectoryName(d.Source!) ?? "/").Distinct().ToArray();
        return new VirtToolsException("MigrationDestinationDiskMissing", FailureKind.ObjectNotFound,
            $"{destinationUri} has neither the disk images of '{guest}' ({string.Join(", ", disks.Select(d => d.Source))}) nor a storage pool " +
            $"for {string.Join(", ", dirs)} to create them in; nothing was moved, the guest still runs here.", guest,
            $"On the destination, create each image with the same size and format (qemu-img create -f qcow2 PATH SIZE), or define and start a " +
            $"directory pool for the directory (virsh pool-define-as images dir --target {dirs.FirstOrDefault() ?? "DIR"}; virsh pool-start images; " +
            "virsh pool-autostart images) so that libvirt creates them; then move again.", inner);
    }

    /// <summary>The disks -CopyStorage copies: what libvirt's NBD copy takes (local, writable, not shared).</summary>
    public static IEnumerable<DomainDisk> CopiedDisks(DomainDefinition guest) =>
        guest.Disks.Where(d => d.Device == "disk" && d.IsLocal && !d.Shareable && !d.ReadOnly);
}
