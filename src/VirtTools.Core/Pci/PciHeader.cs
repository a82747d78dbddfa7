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

    /// <summary>Base class 0x06: host, ISA/LPC, EISA, MCA, PCI-to-PCI, PCMCIA, NuBus, CardBus, RACEway, other bridges.</summary>
    public static bool IsBridgeClass(int classCode) => classCode >= 0 && (classCode >> 16) == 0x06;

    /// <summary>
    /// Functions the host platform itself relies on: SMBus (0x0c05: sensors, memory SPD, EEPROMs),
    /// other serial bus controllers (0x0c80: SPI flash holding the firmware, I2C), and other
    /// communication controllers (0x0780: Intel MEI, AMD PSP mailboxes). The sentence says why.
    /// </summary>
    public static string? PlatformFunction(int classCode) => classCode < 0 ? null : (classCode >> 8) switch
    {
        0x0c05 => "the SMBus controller, through which the host reads sensors, memory SPD data and EEPROMs",
        0x0c80 => "a platform serial bus controller (class 0c80, such as the SPI flash controller that holds the firmware)",
        0x0780 => "a platform communication controller (class 0780, such as the Intel Management Engine interface, MEI)",
        _ => null,
    };
}
