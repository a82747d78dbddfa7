using System.Globalization;
using VirtTools.Host;
using VirtTools.Pci;

namespace VirtTools.Vfio;

/// <summary>The few sysfs facts about one function that binding decisions need, read fresh each time.</summary>
public static class PciFunction
{
    public static string Dir(PciAddress a) => $"{PciDeviceReader.DevicesDir}/{a}";

    public static bool Exists(IHostFileSystem fs, PciAddress a) => fs.Exists(Dir(a));

    public static string? Driver(IHostFileSystem fs, PciAddress a) => HostPath.LinkName(fs, Dir(a) + "/driver");

    /// <summary>driver_override, or null when unset ("(null)"), empty or absent.</summary>
    public static string? Override(IHostFileSystem fs, PciAddress a)
    {
        try
        {
            var v = fs.ReadAllText(Dir(a) + "/driver_override").Trim();
            return v.Length == 0 || v == "(null)" ? null : v;
        }
        catch (HostIOException) { return null; }
    }

    public static int? IommuGroup(IHostFileSystem fs, PciAddress a) =>
        int.TryParse(HostPath.LinkName(fs, Dir(a) + "/iommu_group"), NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : null;

    /// <summary>Members of an IOMMU group, sorted.</summary>
    public static IReadOnlyList<PciAddress> GroupMembers(IHostFileSystem fs, int group)
    {
        var list = new List<PciAddress>();
        foreach (var n in fs.List($"/sys/kernel/iommu_groups/{group.ToString(CultureInfo.InvariantCulture)}/devices"))
            if (PciAddress.TryParse(n, out var a)) list.Add(a);
        list.Sort();
        return list;
    }

    /// <summary>
    /// Bridges (header type 1 or 2) cannot be assigned. The header type byte of config space is
    /// authoritative; the class code (PCI, CardBus, semi-transparent bridge) is the fallback.
    /// </summary>
    public static bool IsBridge(IHostFileSystem fs, string dir)
    {
        Span<byte> header = stackalloc byte[16];
        try
        {
            if (fs.Read(dir + "/config", header) >= 15) return (header[14] & 0x7f) is 1 or 2;
        }
        catch (HostIOException) { }
        try
        {
            var c = fs.ReadAllText(dir + "/class").Trim();
            if (c.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) c = c[2..];
            c = c.PadLeft(6, '0');
            return c.StartsWith("0604", StringComparison.Ordinal) || c.StartsWith("0607", StringComparison.Ordinal) ||
                   c.StartsWith("0609", StringComparison.Ordinal);
        }
        catch (HostIOException) { return false; }
    }

    public static bool IsBridge(IHostFileSystem fs, PciAddress a) => IsBridge(fs, Dir(a));
}
