using VirtTools.Host;
using VirtTools.Pci;

namespace VirtTools.Vfio;

/// <summary>
/// xen-pciback's own list of the devices it holds (drivers/pciback/slots). A device pciback took, also
/// through driver_override, stays listed, and pciback claims it again at the next probe even with the
/// override cleared (seen on Xen 4.17 with Linux 6.1, tests/xen): giving it back means writing it to
/// remove_slot before the reprobe.
/// </summary>
public static class PcibackSlots
{
    public const string Dir = VfioBinder.DriversDir + "/pciback";
    public const string SlotsPath = Dir + "/slots";
    public const string RemoveSlotPath = Dir + "/remove_slot";

    /// <summary>True when pciback lists <paramref name="a"/> in its slots ("DDDD:BB:DD.F" lines).</summary>
    public static bool Holds(IHostFileSystem fs, PciAddress a)
    {
        string text;
        try { text = fs.ReadAllText(SlotsPath); }
        catch (HostIOException) { return false; }
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (PciAddress.TryParse(line, out var s) && s == a) return true;
        return false;
    }

    public static VfioStep RemoveStep(PciAddress a) =>
        new(VfioStepKind.RemovePcibackSlot, a, $"take {a} out of pciback's slots (write '{a}' to {RemoveSlotPath}), or pciback claims it again at the probe", RemoveSlotPath, a.ToString());
}
