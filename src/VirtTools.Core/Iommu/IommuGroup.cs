namespace VirtTools;

/// <summary>One IOMMU group: the unit VFIO assigns to a guest, and whether it can be assigned now.</summary>
public sealed class IommuGroup
{
    public int Number { get; set; }
    public IommuGroupDevice[] Devices { get; set; } = Array.Empty<IommuGroupDevice>();
    /// <summary>Default domain type from /sys/kernel/iommu_groups/N/type (DMA, DMA-FQ, identity...); null when absent.</summary>
    public string? Type { get; set; }
    /// <summary>True when every endpoint is bound to a DMA-safe driver (vfio-pci and variants, pci-stub, pciback) or to none.</summary>
    public bool IsViable { get; set; }
    /// <summary>Why the group is not viable, one line per blocking member with what to do.</summary>
    public string[] Reasons { get; set; } = Array.Empty<string>();
    /// <summary>The group directory (/sys/kernel/iommu_groups/N), or null when the group was derived from device links.</summary>
    public string? SysfsPath { get; set; }

    public override string ToString() => Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A member of an IOMMU group. ToString is the address, so it survives remoting at depth 1 readably.</summary>
public sealed class IommuGroupDevice
{
    public string Address { get; set; } = "";
    public string? Driver { get; set; }
    public bool IsBridge { get; set; }
    public string? ClassName { get; set; }
    public string? VendorName { get; set; }
    public string? DeviceName { get; set; }
    /// <summary>False when this member keeps the group from being viable.</summary>
    public bool IsDmaSafe { get; set; }

    public override string ToString() => Driver is null ? Address : $"{Address} ({Driver})";
}
