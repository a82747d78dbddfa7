namespace VirtTools.Pci;

/// <summary>How ids and driver names are compared when a user types them.</summary>
public static class PciIdText
{
    /// <summary>"0x1AF4" and "1AF4" are the id lspci prints as "1af4".</summary>
    public static string? NormalizeId(string? id)
    {
        if (id is null) return null;
        var t = id.Trim();
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) t = t[2..];
        return t.ToLowerInvariant();
    }

    /// <summary>The kernel treats '-' and '_' alike in module names (virtio_pci is virtio-pci), so comparisons do too.</summary>
    public static string? NormalizeDriver(string? driver) => driver?.Replace('-', '_');
}
