namespace VirtTools;

/// <summary>A member of an IOMMU group. ToString is the address, so it survives remoting at depth 1 readably.</summary>
public sealed class IommuGroupDevice
{
    public string Address { get; set; } = "";
    public string? Driver { get; set; }
    public bool IsBridge { get; set; }
    /// <summary>6 hex digits, as PciDevice.ClassCode.</summary>
    public string? ClassCode { get; set; }
    public string? ClassName { get; set; }
    public string? VendorName { get; set; }
    public string? DeviceName { get; set; }
    /// <summary>False when this member keeps the group from being viable.</summary>
    public bool IsDmaSafe { get; set; }

    public override string ToString() => Driver is null ? Address : $"{Address} ({Driver})";
}
