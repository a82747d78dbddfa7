using System.Text.RegularExpressions;
using VirtTools.Host;
using VirtTools.Pci;

namespace VirtTools.HostUsage;

/// <summary>Maps block devices and network interfaces to the PCI functions that carry them.</summary>
internal sealed partial class SysfsTopology
{
    private readonly IHostFileSystem _fs;

    public SysfsTopology(IHostFileSystem fs) => _fs = fs;

    [GeneratedRegex(@"^nvme-subsys\d+$")]
    private static partial Regex NvmeSubsystem();

    [GeneratedRegex(@"^nvme\d+$")]
    private static partial Regex NvmeController();

    /// <summary>The PCI function a device directory belongs to: the innermost PCI component of its canonical path.</summary>
    public static PciAddress? PciOfPath(string? canonicalPath)
    {
        if (canonicalPath is null || !canonicalPath.StartsWith("/sys/devices/pci", StringComparison.Ordinal)) return null;
        var parts = canonicalPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = parts.Length - 1; i >= 0; i--)
            if (PciAddress.TryParseSysfsName(parts[i], out var a))
                return a;
        return null;
    }

    /// <summary>The canonical sysfs directory of a block device (disk or partition) by kernel name.</summary>
    public string? BlockDir(string name)
    {
        var viaClass = HostPath.Resolve(_fs, "/sys/class/block/" + name);
        if (viaClass is not null) return viaClass;
        var viaBlock = HostPath.Resolve(_fs, "/sys/block/" + name);
        if (viaBlock is not null) return viaBlock;
        foreach (var disk in _fs.List("/sys/block"))
        {
            var part = HostPath.Resolve(_fs, $"/sys/block/{disk}/{name}");
            if (part is not null && _fs.FileExists(part + "/partition")) return part;
            if (part is not null && _fs.FileExists(part + "/dev")) return part;
        }
        return null;
    }

    /// <summary>
    /// The PCI functions under a block device, following dm/md slaves down to disks and NVMe
    /// multipath head disks (parented by the virtual nvme-subsystem) to every controller's function.
    /// </summary>
    public IReadOnlySet<PciAddress> PciOfBlock(string name) => PciOfBlock(name, new HashSet<string>(StringComparer.Ordinal));

    private HashSet<PciAddress> PciOfBlock(string name, HashSet<string> seen)
    {
        var result = new HashSet<PciAddress>();
        if (!seen.Add(name)) return result;
        var dir = BlockDir(name);
        if (dir is null) return result;

        // A partition's slaves are its disk's; dm and md list theirs on the whole device.
        var slaves = _fs.List(dir + "/slaves");
        if (slaves.Count == 0 && _fs.FileExists(dir + "/partition")) slaves = _fs.List(HostPath.Parent(dir) + "/slaves");
        foreach (var s in slaves) result.UnionWith(PciOfBlock(s, seen));
        if (slaves.Count > 0) return result;

        var parts = dir.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var subsys = Array.FindIndex(parts, p => NvmeSubsystem().IsMatch(p));
        if (subsys > 0 && parts[subsys - 1] == "nvme-subsystem")
        {
            var subsysDir = "/" + string.Join('/', parts.Take(subsys + 1));
            foreach (var ctrl in _fs.List(subsysDir).Where(n => NvmeController().IsMatch(n)))
            {
                var pci = PciOfPath(HostPath.Resolve(_fs, $"{subsysDir}/{ctrl}"))
                          ?? PciOfPath(HostPath.Resolve(_fs, $"/sys/class/nvme/{ctrl}/device"));
                if (pci is PciAddress a) result.Add(a);
            }
            return result;
        }
        if (PciOfPath(dir) is PciAddress direct) result.Add(direct);
        return result;
    }

    /// <summary>Every block device name (disks and partitions) with its "major:minor".</summary>
    public IReadOnlyDictionary<string, string> BlockDevNumbers()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(string name, string dir)
        {
            try { map.TryAdd(name, _fs.ReadAllText(dir + "/dev").Trim()); }
            catch (HostIOException) { }
        }
        foreach (var n in _fs.List("/sys/class/block")) Add(n, "/sys/class/block/" + n);
        foreach (var disk in _fs.List("/sys/block"))
        {
            Add(disk, "/sys/block/" + disk);
            foreach (var p in _fs.List("/sys/block/" + disk).Where(p => p.StartsWith(disk, StringComparison.Ordinal)))
                Add(p, $"/sys/block/{disk}/{p}");
        }
        return map;
    }

    /// <summary>dm devices by their mapper name (/dev/mapper/NAME), from /sys/block/dm-N/dm/name.</summary>
    public string? DmByName(string mapperName)
    {
        foreach (var b in _fs.List("/sys/block").Where(b => b.StartsWith("dm-", StringComparison.Ordinal)))
        {
            try
            {
                if (_fs.ReadAllText($"/sys/block/{b}/dm/name").Trim() == mapperName) return b;
            }
            catch (HostIOException) { }
        }
        return null;
    }

    /// <summary>Block devices that are members of a dm or md device (non-empty holders/).</summary>
    public IEnumerable<(string Member, string Holder)> HeldBlockDevices()
    {
        foreach (var disk in _fs.List("/sys/block"))
        {
            foreach (var h in _fs.List($"/sys/block/{disk}/holders")) yield return (disk, h);
            foreach (var p in _fs.List("/sys/block/" + disk).Where(p => p.StartsWith(disk, StringComparison.Ordinal)))
                foreach (var h in _fs.List($"/sys/block/{disk}/{p}/holders")) yield return (p, h);
        }
    }

    /// <summary>
    /// The PCI functions under a network interface: its own device link, or for bonds, bridges,
    /// VLANs and macvlans the lower devices (lower_*, brif/, bonding/slaves) recursively.
    /// </summary>
    public IReadOnlySet<PciAddress> PciOfInterface(string name) => PciOfInterface(name, new HashSet<string>(StringComparer.Ordinal));

    private HashSet<PciAddress> PciOfInterface(string name, HashSet<string> seen)
    {
        var result = new HashSet<PciAddress>();
        if (!seen.Add(name)) return result;
        var dir = "/sys/class/net/" + name;
        if (PciOfPath(HostPath.Resolve(_fs, dir + "/device")) is PciAddress a)
        {
            result.Add(a);
            return result;
        }
        var lowers = _fs.List(dir).Where(n => n.StartsWith("lower_", StringComparison.Ordinal)).Select(n => n["lower_".Length..]).ToList();
        lowers.AddRange(_fs.List(dir + "/brif"));
        try
        {
            lowers.AddRange(_fs.ReadAllText(dir + "/bonding/slaves").Split(' ', '\n', StringSplitOptions.RemoveEmptyEntries));
        }
        catch (HostIOException) { }
        foreach (var l in lowers) result.UnionWith(PciOfInterface(l, seen));
        return result;
    }
}
