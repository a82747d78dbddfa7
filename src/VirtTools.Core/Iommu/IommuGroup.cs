namespace VirtTools;

/// <summary>One IOMMU group: the unit VFIO assigns to a guest, and whether it can be assigned now.</summary>
public sealed class IommuGroup
{
    public int Number { get; set; }
    public IommuGroupDevice[] Devices { get; set; } = Array.Empty<IommuGroupDevice>();
    /// <summary>Default domain type from /sys/kernel/iommu_groups/N/type (DMA, DMA-FQ, identity...); null when absent.</summary>
    public string? Type { get; set; }
    /// <summary>
    /// What the topology allows: the group holds at least one endpoint a guest can use, and no
    /// function the host platform needs (SMBus, SPI flash and other 0c80 controllers, the MEI).
    /// </summary>
    public bool IsIsolated { get; set; }
    /// <summary>What the drivers allow now (the kernel's rule): every endpoint on a DMA-safe driver (vfio-pci and variants, pci-stub, pciback) or none, every bridge on pcieport or none.</summary>
    public bool IsReady { get; set; }
    /// <summary>A guest can be given this group now: <see cref="IsIsolated"/> and <see cref="IsReady"/>.</summary>
    public bool IsViable { get; set; }
    /// <summary>Why the group is not viable: topology first, then one line per member on a host driver, each with what to do.</summary>
    public string[] Reasons { get; set; } = Array.Empty<string>();
    /// <summary>The group directory (/sys/kernel/iommu_groups/N), or null when the group was derived from device links.</summary>
    public string? SysfsPath { get; set; }

    public override string ToString() => Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
