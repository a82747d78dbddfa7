using System.Globalization;

namespace VirtTools.Pci;

/// <summary>A PCI function address, DDDD:BB:SS.F (the domain may have more than 4 digits, e.g. 10000 on VMD/Hyper-V).</summary>
public readonly record struct PciAddress(int Domain, int Bus, int Slot, int Function) : IComparable<PciAddress>
{
    public override string ToString()
    {
        // Every device of a listing formats its own address and its relatives': the common shape
        // without the composite-format machinery, anything else (wide domains) through it.
        if (Domain is < 0 or > 0xffff || Bus is < 0 or > 0xff || Slot is < 0 or > 0xff || Function is < 0 or > 0xf)
            return string.Create(CultureInfo.InvariantCulture, $"{Domain:x4}:{Bus:x2}:{Slot:x2}.{Function:x}");
        return string.Create(12, this, static (c, a) =>
        {
            const string digits = "0123456789abcdef";
            c[0] = digits[a.Domain >> 12]; c[1] = digits[a.Domain >> 8 & 0xf]; c[2] = digits[a.Domain >> 4 & 0xf]; c[3] = digits[a.Domain & 0xf];
            c[4] = ':'; c[5] = digits[a.Bus >> 4]; c[6] = digits[a.Bus & 0xf];
            c[7] = ':'; c[8] = digits[a.Slot >> 4]; c[9] = digits[a.Slot & 0xf];
            c[10] = '.'; c[11] = digits[a.Function];
        });
    }

    /// <summary>libvirt's node-device name, pci_DDDD_BB_SS_F.</summary>
    public string ToLibvirtName() =>
        string.Create(CultureInfo.InvariantCulture, $"pci_{Domain:x4}_{Bus:x2}_{Slot:x2}_{Function:x}");

    public int CompareTo(PciAddress other)
    {
        var c = Domain.CompareTo(other.Domain);
        if (c == 0) c = Bus.CompareTo(other.Bus);
        if (c == 0) c = Slot.CompareTo(other.Slot);
        if (c == 0) c = Function.CompareTo(other.Function);
        return c;
    }

    /// <summary>
    /// Accepts "0000:03:00.0", "03:00.0" (domain 0, as lspci prints it) and libvirt's
    /// "pci_0000_03_00_0". Case-insensitive; surrounding white space is ignored.
    /// </summary>
    public static bool TryParse(string? text, out PciAddress address)
    {
        address = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.AsSpan().Trim();
        if (s.StartsWith("pci_", StringComparison.OrdinalIgnoreCase))
        {
            var p = s[4..].ToString().Split('_');
            if (p.Length != 4) return false;
            s = $"{p[0]}:{p[1]}:{p[2]}.{p[3]}";
        }
        var dot = s.LastIndexOf('.');
        if (dot < 0) return false;
        // The parts between the colons, read in place: this runs for every device of a listing.
        var head = s[..dot];
        var first = head.IndexOf(':');
        if (first < 0) return false;
        var rest = head[(first + 1)..];
        var second = rest.IndexOf(':');
        ReadOnlySpan<char> dom, bus, slot;
        if (second < 0) { dom = "0"; bus = head[..first]; slot = rest; }
        else if (rest[(second + 1)..].Contains(':')) return false;
        else { dom = head[..first]; bus = rest[..second]; slot = rest[(second + 1)..]; }
        if (!Hex(dom, 8, out var d) || !Hex(bus, 2, out var b) || !Hex(slot, 2, out var sl) ||
            !Hex(s[(dot + 1)..], 1, out var f))
            return false;
        if (sl > 0x1f || f > 7) return false;
        address = new PciAddress(d, b, sl, f);
        return true;
    }

    /// <summary>
    /// A sysfs entry name that is a PCI function: only the kernel's own form DDDD:BB:SS.F, so that
    /// neighbours such as "pci0000:00", "0000:00" or a USB "1-1:1.0" never pass for one.
    /// </summary>
    public static bool TryParseSysfsName(string? name, out PciAddress address)
    {
        address = default;
        return name is not null && name.AsSpan().Count(':') == 2 && name.Contains('.') &&
               !name.StartsWith("pci", StringComparison.Ordinal) && TryParse(name, out address);
    }

    public static PciAddress Parse(string text) =>
        TryParse(text, out var a)
            ? a
            : throw new VirtToolsException("InvalidPciAddress", FailureKind.InvalidArgument,
                $"'{text}' is not a PCI address. Use the form DDDD:BB:SS.F, e.g. 0000:03:00.0.", text,
                "Run Get-PciDevice to list the addresses on this host.");

    private static bool Hex(ReadOnlySpan<char> s, int maxDigits, out int value)
    {
        value = 0;
        if (s.Length == 0 || s.Length > maxDigits) return false;
        return int.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) && value >= 0;
    }
}
