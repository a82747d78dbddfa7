using VirtTools.Pci;

namespace VirtTools.Vfio;

/// <summary>A function the operation changes, with the state to roll back to.</summary>
public sealed class VfioTarget
{
    public required PciAddress Address { get; init; }
    public string? OriginalDriver { get; init; }
    public string? OriginalOverride { get; init; }
    public int? IommuGroup { get; init; }
    /// <summary>False for group companions added by -IncludeIommuGroup.</summary>
    public bool Requested { get; init; }
}
