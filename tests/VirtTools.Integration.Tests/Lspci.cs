using System.Text.Json;

namespace VirtTools.Integration.Tests;

/// <summary>lspci's view of a recorded guest (`lspci -D -n -vmm -k`), to check Get-PciDevice against.</summary>
public static class Lspci
{
    /// <summary>Slot → fields of each `-vmm` block; blocks without a Slot (stderr warnings after them) are left out.</summary>
    public static Dictionary<string, Dictionary<string, string>> ParseVmm(string text)
    {
        var result = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = block.Split('\n').Select(l => l.Split(":\t", 2)).Where(p => p.Length == 2)
                .GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1].Trim());
            if (fields.TryGetValue("Slot", out var slot)) result[slot] = fields;
        }
        return result;
    }

    /// <summary>Get-PciDevice's objects (by address) list the same functions as lspci, with the same ids, class and driver.</summary>
    public static void AssertAgrees(string lspciText, IReadOnlyDictionary<string, JsonElement> cmdlet)
    {
        var lspci = ParseVmm(lspciText);
        Assert.Equal(lspci.Keys.Order(), cmdlet.Keys.Order());
        foreach (var (a, l) in lspci)
        {
            var c = cmdlet[a];
            Assert.Equal(l["Vendor"], c.Str("VendorId"));
            Assert.Equal(l["Device"], c.Str("DeviceId"));
            Assert.Equal(l["Class"], c.Str("ClassCode")![..4]);
            Assert.Equal(l.GetValueOrDefault("Driver"), c.Str("Driver"));
        }
    }
}
