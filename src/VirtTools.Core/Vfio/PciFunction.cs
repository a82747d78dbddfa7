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

    /// <summary>Whether the function at <paramref name="dir"/> is a bridge by header type (<see cref="PciHeader.IsBridge"/>).</summary>
    public static bool IsBridge(IHostFileSystem fs, string dir)
    {
        Span<byte> header = stackalloc byte[16];
        try
        {
            if (fs.Read(dir + "/config", header) >= 15) return PciHeader.IsBridge(header[14], -1);
        }
        catch (HostIOException) { }
        return PciHeader.IsBridge(-1, ClassCode(fs, dir));
    }

    /// <summary>A bridge by header type or of any bridge class (0x06xx: host, ISA/LPC, PCI, CardBus, other).</summary>
    public static bool IsAnyBridge(IHostFileSystem fs, string dir) => IsBridge(fs, dir) || PciHeader.IsBridgeClass(ClassCode(fs, dir));

    /// <summary>The 24-bit class code from config space, else from the class file; -1 when neither reads.</summary>
    public static int ClassCode(IHostFileSystem fs, string dir)
    {
        Span<byte> header = stackalloc byte[16];
        try
        {
            if (fs.Read(dir + "/config", header) >= 12 && !(header[0] == 0xff && header[1] == 0xff))
                return header[9] | header[10] << 8 | header[11] << 16;
        }
        catch (HostIOException) { }
        try
        {
            var c = fs.ReadAllText(dir + "/class").Trim();
            if (c.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) c = c[2..];
            return int.TryParse(c, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var cls) ? cls & 0xffffff : -1;
        }
        catch (HostIOException) { return -1; }
    }
}
