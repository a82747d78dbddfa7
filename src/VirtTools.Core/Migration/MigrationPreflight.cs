using VirtTools.Snapshots;

namespace VirtTools.Migration;

/// <summary>What the pre-flight checks know about both ends, gathered before any data moves.</summary>
public sealed record MigrationSituation(
    DomainFacts Guest, bool IsActive, int SnapshotCount, bool Offline, bool CopyStorage,
    string? SourceHostUuid, string? DestinationHostUuid, bool NameDefinedAtDestination, string DestinationUri);

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

        if (s.SnapshotCount > 0)
            return new VirtToolsException("MigrationWithSnapshots", FailureKind.InvalidOperation,
                $"Guest '{name}' has {s.SnapshotCount} snapshot(s): libvirt refuses to move a guest with snapshot metadata to another host.", name,
                "Remove them with Get-VMGuestSnapshot -Name " + name + " | Remove-VMGuestSnapshot (the snapshot data stays in the qcow2 images), then move it.");

        if (!s.Offline && !s.CopyStorage)
        {
            var local = s.Guest.Disks.Where(d => d.Device == "disk" && d.IsLocal && !d.Shareable && !d.ReadOnly).ToArray();
            if (local.Length > 0)
                return new VirtToolsException("MigrationLocalDisks", FailureKind.InvalidOperation,
                    $"Guest '{name}' has disks on local storage ({string.Join(", ", local.Select(d => $"{d.Target}: {d.Source}"))}): the destination cannot reach them.", name,
                    "Add -CopyStorage to copy them during the move (the destination needs images of the same size at the same paths, e.g. " +
                    "'qemu-img create -f qcow2 PATH SIZE' there), or put them on shared storage (NFS, iSCSI, Ceph) mounted at the same path on both hosts.");
        }
        return null;
    }
}
