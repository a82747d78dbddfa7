using VirtTools.Guests;

namespace VirtTools.Snapshots;

/// <summary>
/// Refusals decided from the guest's definition before libvirt is asked to take a snapshot. Each
/// names the reason and the way out; libvirt's own refusals of the same cases are either missing
/// (Xen: "this function is not supported by the connection driver") or come after a half-taken
/// snapshot.
/// </summary>
public static class SnapshotPreflight
{
    /// <summary>libvirt 9.2.0 started refusing internal snapshots of pflash (UEFI) guests; 10.9.0 allows them again.</summary>
    public const ulong PflashRefusedFrom = 9_002_000, PflashAllowedAgainFrom = 10_009_000;

    public static VirtToolsException? Check(DomainDefinition guest, bool isActive, ulong libvirtVersion)
    {
        if (guest.IsXen)
            return new VirtToolsException("SnapshotXenUnsupported", FailureKind.NotImplemented,
                $"Guest '{guest.Name}' runs on Xen: libvirt's libxl driver has no snapshot API.", guest.Name,
                "Stop the guest and copy its disk images (or use the storage's own snapshots, e.g. LVM or btrfs), or run the guest on KVM.");

        if (isActive && guest.PciHostDevices.Count > 0)
            return new VirtToolsException("SnapshotWithHostDevice", FailureKind.InvalidOperation,
                $"Guest '{guest.Name}' is running with PCI host devices ({string.Join(", ", guest.PciHostDevices)}): " +
                "QEMU cannot save the state of a passed-through device, so no snapshot with memory can be taken.", guest.Name,
                "Stop the guest first (Stop-VMGuest) and take the snapshot while it is off, or detach the devices with Remove-VMGuestHostDevice.");

        if (guest.UsesPflash && libvirtVersion >= PflashRefusedFrom && libvirtVersion < PflashAllowedAgainFrom)
            return new VirtToolsException("SnapshotUefiUnsupported", FailureKind.NotImplemented,
                $"Guest '{guest.Name}' boots UEFI from pflash, and libvirt {FormatVersion(libvirtVersion)} on this host refuses internal snapshots " +
                "of such guests (refused from 9.2.0 until 10.9.0).", guest.Name,
                "Upgrade libvirt to 10.9.0 or later, or take an external disk-only snapshot with virsh snapshot-create-as --disk-only.");

        var notQcow2 = guest.Disks.Where(d => d.Device == "disk" && !d.ReadOnly && d.Source is not null && d.Format != "qcow2").ToArray();
        if (notQcow2.Length > 0)
            return new VirtToolsException("SnapshotDiskNotQcow2", FailureKind.InvalidOperation,
                $"Guest '{guest.Name}' has disks that are not qcow2 ({string.Join(", ", notQcow2.Select(d => $"{d.Target}: {d.Format ?? "raw"} {d.Source}"))}): " +
                "internal snapshots live inside qcow2 images.", guest.Name,
                "Convert the disk with 'qemu-img convert -O qcow2' while the guest is off and point the guest at the new image, or use the storage's own snapshots.");

        return null;
    }

    public static string FormatVersion(ulong v) => $"{v / 1_000_000}.{v / 1_000 % 1_000}.{v % 1_000}";
}
