using System.Globalization;
using VirtTools.Host;
using VirtTools.Pci;
using VirtTools.Vfio;

namespace VirtTools.Iommu;

/// <summary>
/// Reads IOMMU groups from /sys/kernel/iommu_groups, or, where that directory was not recorded,
/// from the devices' iommu_group links; and applies the kernel's viability rule.
/// </summary>
public sealed class IommuGroupReader
{
    public const string GroupsDir = "/sys/kernel/iommu_groups";

    private readonly IHostFileSystem _fs;
    private readonly PciDeviceReader _pci;
    private Dictionary<int, List<PciAddress>>? _fromLinks;

    public IommuGroupReader(IHostFileSystem fs) : this(new PciDeviceReader(fs)) { }

    public IommuGroupReader(PciDeviceReader pci)
    {
        _pci = pci;
        _fs = pci.Files;
    }

    /// <summary>
    /// The kernel's rule (driver_managed_dma): vfio-pci and its variant drivers, pci-stub, Xen's
    /// pciback, and no driver at all leave the group usable by VFIO.
    /// </summary>
    public static bool IsDmaSafeDriver(string? driver) =>
        driver is null or "" or "pci-stub" || VfioDrivers.IsPassthrough(driver);

    /// <summary>Bridges (pcieport or any non-endpoint) never block; every endpoint needs a DMA-safe driver.</summary>
    public static bool IsDmaSafe(IommuGroupDevice d) => d.IsBridge || d.Driver == "pcieport" || IsDmaSafeDriver(d.Driver);

    /// <summary>True when the host exposes IOMMU groups at all (directory or any device link).</summary>
    public bool HasGroups => _fs.DirectoryExists(GroupsDir) || FromLinks().Count > 0;

    public IReadOnlyList<int> ListNumbers()
    {
        var list = new List<int>();
        if (_fs.DirectoryExists(GroupsDir))
        {
            foreach (var name in _fs.List(GroupsDir))
                if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) list.Add(n);
        }
        else list.AddRange(FromLinks().Keys);
        list.Sort();
        return list;
    }

    public IEnumerable<IommuGroup> ReadAll()
    {
        foreach (var n in ListNumbers())
            if (TryRead(n) is { } g) yield return g;
    }

    /// <summary>The group, or an IommuGroupNotFound failure.</summary>
    public IommuGroup Read(int number) =>
        TryRead(number) ?? throw new VirtToolsException("IommuGroupNotFound", FailureKind.ObjectNotFound,
            $"IOMMU group {number} does not exist on this host.", number,
            "Run Get-IommuGroup without arguments to list the groups.");

    public IommuGroup? TryRead(int number)
    {
        var n = number.ToString(CultureInfo.InvariantCulture);
        var members = new List<PciAddress>();
        string? sysfs = null;
        string? type = null;
        if (_fs.DirectoryExists(GroupsDir))
        {
            var dir = GroupsDir + "/" + n;
            if (!_fs.DirectoryExists(dir)) return null;
            sysfs = dir;
            foreach (var name in _fs.List(dir + "/devices"))
                if (PciAddress.TryParseSysfsName(name, out var a)) members.Add(a);
            try { type = _fs.ReadAllText(dir + "/type").Trim(); }
            catch (HostIOException) { type = null; }
            if (type is "") type = null;
        }
        else
        {
            if (!FromLinks().TryGetValue(number, out var list)) return null;
            members.AddRange(list);
        }
        members.Sort();
        var devices = new IommuGroupDevice[members.Count];
        for (var i = 0; i < devices.Length; i++)
        {
            var p = _pci.Read(members[i]);
            devices[i] = new IommuGroupDevice
            {
                Address = p.Address, Driver = p.Driver, IsBridge = p.IsBridge, ClassCode = p.ClassCode, ClassName = p.ClassName,
                VendorName = p.VendorName, DeviceName = p.DeviceName,
            };
            devices[i].IsDmaSafe = IsDmaSafe(devices[i]);
        }
        var g = new IommuGroup { Number = number, Devices = devices, Type = type, SysfsPath = sysfs };
        var topology = Isolation(devices);
        var drivers = Evaluate(devices);
        g.IsIsolated = topology.Length == 0;
        g.IsReady = drivers.Length == 0;
        g.IsViable = g.IsIsolated && g.IsReady;
        g.Reasons = topology.Concat(drivers).ToArray();
        return g;
    }

    private static int Class(IommuGroupDevice d) =>
        int.TryParse(d.ClassCode, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var c) ? c : -1;

    /// <summary>A bridge by header type or class (host and ISA/LPC bridges have a type 0 header).</summary>
    public static bool IsAnyBridge(IommuGroupDevice d) => d.IsBridge || PciHeader.IsBridgeClass(Class(d));

    /// <summary>Why the topology keeps the group from a guest, whatever the drivers: empty when isolated.</summary>
    public static string[] Isolation(IReadOnlyList<IommuGroupDevice> devices)
    {
        var reasons = new List<string>();
        if (devices.All(IsAnyBridge))
            reasons.Add("The group holds only bridges: there is no endpoint to give a guest.");
        foreach (var d in devices)
            if (PciHeader.PlatformFunction(Class(d)) is { } what)
                reasons.Add($"{d.Address} is {what}: the host needs it, so this group cannot be given to a guest " +
                            "(a board or slot with ACS isolation, or another device, is the way out).");
        return reasons.ToArray();
    }

    /// <summary>One line per member on a host driver (the kernel's VFIO viability rule), naming its driver and the fix.</summary>
    public static string[] Evaluate(IReadOnlyList<IommuGroupDevice> devices)
    {
        var reasons = new List<string>();
        var alone = devices.Count(d => !IsAnyBridge(d)) == 1;
        foreach (var d in devices)
        {
            if (IsDmaSafe(d)) continue;
            var what = d.ClassName is null ? d.Address : $"{d.Address} ({d.ClassName})";
            reasons.Add(alone && !IsAnyBridge(d)
                ? $"{what} is bound to host driver {d.Driver}: Enable-VfioDevice {d.Address} binds it to vfio-pci."
                : $"{what} is bound to host driver {d.Driver}: bind {d.Address} ({d.Driver}) to vfio-pci too, " +
                  "or use Enable-VfioDevice -IncludeIommuGroup.");
        }
        return reasons.ToArray();
    }

    private Dictionary<int, List<PciAddress>> FromLinks()
    {
        if (_fromLinks is not null) return _fromLinks;
        var map = new Dictionary<int, List<PciAddress>>();
        foreach (var a in _pci.ListAddresses())
        {
            var g = HostPath.LinkName(_fs, $"{PciDeviceReader.DevicesDir}/{a}/iommu_group");
            if (!int.TryParse(g, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) continue;
            if (!map.TryGetValue(n, out var list)) map[n] = list = new();
            list.Add(a);
        }
        return _fromLinks = map;
    }
}
