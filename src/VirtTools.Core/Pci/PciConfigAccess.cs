using VirtTools.Host;

namespace VirtTools.Pci;

/// <summary>
/// What an ordinary user cannot see of PCI devices: the kernel cuts /sys/bus/pci/devices/*/config to
/// its first 64 bytes for a process without CAP_SYS_ADMIN, so the capability lists (PCIe, MSI-X, ACS,
/// SR-IOV) are beyond reach. The reader never uses bytes past the header, so nothing is guessed from
/// the cut; this is the one sentence that says what is missing.
/// </summary>
public static class PciConfigAccess
{
    /// <summary>The header bytes an unprivileged read returns (64; 128 for CardBus bridges).</summary>
    public const int UnprivilegedBytes = 64;

    /// <summary>The warning for a process whose config space reads are cut; null for root or when unknown.</summary>
    public static string? Warning(HostPrivileges? privileges) =>
        privileges is { ConfigSpaceTruncated: true }
            ? $"Running as {privileges.Describe()}, not root: the kernel shows only the first {UnprivilegedBytes} bytes of each device's PCI config space " +
              "to processes without CAP_SYS_ADMIN, so no PCI capability (PCIe, MSI-X, ACS, SR-IOV) is read from it; identity, driver, IOMMU group, " +
              "SR-IOV counts and link speeds come from sysfs, which you can read. AssignedToGuest is empty for guests whose libvirt state is " +
              "readable only by root. Run as root (sudo) for the rest."
            : null;
}
