namespace VirtTools.Pci;

/// <summary>Facts of the PCI configuration header that more than one reader needs.</summary>
public static class PciHeader
{
    /// <summary>
    /// Bridges cannot be assigned to guests and never block an IOMMU group. The header type (1 =
    /// PCI-to-PCI, 2 = CardBus) is authoritative; without config space, the class code decides
    /// (0604 PCI, 0607 CardBus, 0609 semi-transparent PCI-to-PCI bridge).
    /// </summary>
    /// <param name="headerType">Byte 0x0e of config space, or -1 when it could not be read.</param>
    /// <param name="classCode">The 24-bit class code, or -1 when unknown.</param>
    public static bool IsBridge(int headerType, int classCode)
    {
        if (headerType >= 0) return (headerType & 0x7f) is 1 or 2;
        return classCode >= 0 && (classCode >> 8) is 0x0604 or 0x0607 or 0x0609;
    }
}
