using System.Globalization;
using VirtTools.PciIds;

namespace VirtTools.Pci;

/// <summary>
/// -Class values: a friendly name mapped to PCI base classes (PCI Code and ID Assignment spec),
/// or a class code prefix of 2, 4 or 6 hex digits ("02", "0200", "020000").
/// </summary>
public static class PciClassFilter
{
    /// <summary>Friendly names and their base classes, in the order completion offers them.</summary>
    public static readonly IReadOnlyList<(string Name, int[] BaseClasses, string Description)> Names = new (string, int[], string)[]
    {
        ("Network", new[] { 0x02 }, "Network controllers (Ethernet, InfiniBand...)"),
        ("Display", new[] { 0x03 }, "Display controllers (VGA, 3D)"),
        ("Storage", new[] { 0x01 }, "Mass storage controllers (NVMe, SATA, SAS, RAID)"),
        ("Bridge", new[] { 0x06 }, "Bridges (host, ISA, PCI-to-PCI)"),
        ("Serial", new[] { 0x0c }, "Serial bus controllers (USB, SMBus, FireWire, Fibre Channel)"),
        ("Multimedia", new[] { 0x04 }, "Multimedia controllers (audio, video)"),
        ("Processor", new[] { 0x0b }, "Processors"),
        ("Memory", new[] { 0x05 }, "Memory controllers (RAM, CXL)"),
        ("Communication", new[] { 0x07 }, "Communication controllers (serial ports, modems)"),
        ("SystemPeripheral", new[] { 0x08 }, "Generic system peripherals (IOMMU, DMA, timers)"),
        ("Input", new[] { 0x09 }, "Input device controllers"),
        ("Docking", new[] { 0x0a }, "Docking stations"),
        ("Wireless", new[] { 0x0d }, "Wireless controllers"),
        ("Intelligent", new[] { 0x0e }, "Intelligent controllers (I2O)"),
        ("Satellite", new[] { 0x0f }, "Satellite communication controllers"),
        ("Encryption", new[] { 0x10 }, "Encryption controllers"),
        ("SignalProcessing", new[] { 0x11 }, "Signal processing controllers"),
        ("Accelerator", new[] { 0x12, 0x40 }, "Processing accelerators and coprocessors"),
        ("Instrumentation", new[] { 0x13 }, "Non-essential instrumentation"),
        ("Other", new[] { 0x00, 0xff }, "Unclassified and unassigned class codes"),
    };

    /// <summary>
    /// A predicate over devices: what <see cref="Parse"/> takes, plus the names the Class column shows
    /// (pci.ids class and subclass names, "Ethernet controller") and wildcards over both kinds of name
    /// ("net*"). A plain name that is neither is an InvalidPciClass failure.
    /// </summary>
    public static Func<PciDevice, bool> ParseForDevices(string value, PciIdsDatabase ids)
    {
        var v = value.Trim();
        var wildcard = v.IndexOfAny(new[] { '*', '?', '[' }) >= 0;
        if (!wildcard && !ids.ClassNames.Any(n => string.Equals(n, v, StringComparison.OrdinalIgnoreCase)))
        {
            var byCode = Parse(value);
            return d => byCode(d.ClassCode);
        }
        var pattern = v.ToLowerInvariant();
        bool Is(string? name) => name is not null && Glob.IsMatch(pattern, name.ToLowerInvariant());
        return d =>
        {
            if (Is(d.ClassName) || Is(d.BaseClassName) || Is(d.SubclassName)) return true;
            if (d.ClassCode is not { Length: 6 } code) return false;
            var bc = Convert.ToInt32(code[..2], 16);
            return Names.Any(n => n.BaseClasses.Contains(bc) && Is(n.Name));
        };
    }

    /// <summary>A predicate over a 6-digit class code, or an InvalidPciClass failure.</summary>
    public static Func<string?, bool> Parse(string value)
    {
        var v = value.Trim();
        foreach (var (name, bases, _) in Names)
        {
            if (!string.Equals(name, v, StringComparison.OrdinalIgnoreCase)) continue;
            var prefixes = bases.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)).ToArray();
            return code => code is not null && prefixes.Any(p => code.StartsWith(p, StringComparison.Ordinal));
        }
        var hex = v.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? v[2..] : v;
        if (hex.Length is 2 or 4 or 6 && hex.All(Uri.IsHexDigit))
        {
            var prefix = hex.ToLowerInvariant();
            return code => code is not null && code.StartsWith(prefix, StringComparison.Ordinal);
        }
        throw new VirtToolsException("InvalidPciClass", FailureKind.InvalidArgument,
            $"'{value}' is not a PCI class. Use a name ({string.Join(", ", Names.Select(n => n.Name))}), a name the Class column shows (\"Ethernet controller\"), a wildcard (net*) or a class code prefix such as 02, 0200 or 020000.",
            value, "Press Tab after -Class to see the names.");
    }
}
