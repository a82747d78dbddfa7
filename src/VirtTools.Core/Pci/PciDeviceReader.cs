using VirtTools.Host;

namespace VirtTools.Pci;

/// <summary>Reads PCI functions from /sys/bus/pci/devices. (First form; the inventory issue completes it.)</summary>
public sealed class PciDeviceReader
{
    public const string DevicesDir = "/sys/bus/pci/devices";
    private readonly IHostFileSystem _fs;

    public PciDeviceReader(IHostFileSystem fs) => _fs = fs;

    public IEnumerable<PciAddress> ListAddresses()
    {
        var list = new List<PciAddress>();
        foreach (var name in _fs.List(DevicesDir))
            if (PciAddress.TryParse(name, out var a)) list.Add(a);
        list.Sort();
        return list;
    }

    public PciDevice Read(PciAddress address)
    {
        var dir = $"{DevicesDir}/{address}";
        var d = new PciDevice
        {
            Address = address.ToString(),
            Domain = address.Domain,
            Bus = address.Bus,
            Slot = address.Slot,
            Function = address.Function,
            VendorId = Hex(dir + "/vendor", 4),
            DeviceId = Hex(dir + "/device", 4),
            ClassCode = Hex(dir + "/class", 6),
            Driver = HostPath.LinkName(_fs, dir + "/driver"),
        };
        return d;
    }

    private string? Hex(string path, int digits)
    {
        try
        {
            var t = _fs.ReadAllText(path).Trim();
            if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) t = t[2..];
            return t.ToLowerInvariant().PadLeft(digits, '0');
        }
        catch (HostIOException) { return null; }
    }
}
