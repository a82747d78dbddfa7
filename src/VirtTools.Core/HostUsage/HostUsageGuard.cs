using System.Globalization;
using System.Net;
using VirtTools.Host;
using VirtTools.Pci;
using VirtTools.Vfio;

namespace VirtTools.HostUsage;

/// <summary>Why handing a PCI function to a guest would break the host. <see cref="ErrorId"/> is stable.</summary>
public sealed record HostUsageReason(string ErrorId, string Address, string Message, string RecommendedAction)
{
    /// <summary>False for what cannot work at all (a bridge): -Force does not override it.</summary>
    public bool CanForce { get; init; } = true;
    public FailureKind Kind => CanForce ? FailureKind.ResourceBusy : FailureKind.InvalidOperation;
}

/// <summary>
/// Finds what the host itself uses a PCI function for: the root file system and other mounts, swap,
/// LVM/MD members, the NIC carrying the default route or the SSH session, the boot display.
/// The kernel refuses none of these unbinds, so this is the only safety net.
/// </summary>
public sealed class HostUsageGuard
{
    public static class Ids
    {
        public const string RootFilesystem = "DeviceHostsRootFilesystem";
        public const string MountedFilesystem = "DeviceHostsMountedFilesystem";
        public const string Swap = "DeviceHostsSwap";
        public const string VolumeMember = "DeviceHostsVolumeMember";
        public const string DefaultRoute = "DeviceCarriesDefaultRoute";
        public const string SshSession = "DeviceCarriesSshSession";
        public const string BootVga = "DeviceIsBootVga";
        public const string Bridge = "DeviceIsBridge";
        public const string PlatformFunction = "DeviceIsPlatformFunction";
        public const string IpAddress = "DeviceHasIpAddress";
    }

    private readonly HostContext _host;
    private readonly IHostFileSystem _fs;
    private readonly string? _sshConnection;
    private readonly SysfsTopology _topo;
    private Dictionary<PciAddress, List<HostUsageReason>>? _usage;

    /// <param name="sshConnection">The SSH_CONNECTION value of the session ("client port server port"), or null.</param>
    public HostUsageGuard(HostContext host, string? sshConnection)
    {
        _host = host;
        _fs = host.Files;
        _sshConnection = sshConnection;
        _topo = new SysfsTopology(_fs);
    }

    /// <summary>Reasons, most serious first; empty when the host does not depend on the function.</summary>
    public IReadOnlyList<HostUsageReason> Check(PciAddress address)
    {
        var list = new List<HostUsageReason>();
        var dir = $"{PciDeviceReader.DevicesDir}/{address}";
        var cls = PciFunction.ClassCode(_fs, dir);
        if (PciFunction.IsBridge(_fs, dir) || PciHeader.IsBridgeClass(cls))
            list.Add(new HostUsageReason(Ids.Bridge, address.ToString(),
                $"{address} is a bridge ({BridgeKind(cls)}). Bridges are the host's PCI topology: vfio-pci binds only endpoint functions, and VirtTools never binds a bridge, not even with -Force.",
                "Assign the endpoint functions behind or beside the bridge instead (Get-IommuGroup lists them).") { CanForce = false });
        else if (PciHeader.PlatformFunction(cls) is { } platform)
            list.Add(new HostUsageReason(Ids.PlatformFunction, address.ToString(),
                $"{address} is {platform}; the host platform and its firmware use it, and a guest has no use for it.",
                "Leave platform functions with the host and pass through the endpoint you need; use -Force only if you know this platform does not need it."));
        _usage ??= Scan();
        if (_usage.TryGetValue(address, out var found)) list.AddRange(found);
        if (ReadTrim(dir + "/boot_vga") == "1")
            list.Add(new HostUsageReason(Ids.BootVga, address.ToString(),
                $"{address} is the boot VGA device (boot_vga = 1): the firmware console and usually the host's display run on it.",
                "Pass through a secondary GPU, or move the host console to another GPU (firmware setting) and use -Force."));
        return list;
    }

    private static string BridgeKind(int cls) => (cls >> 8) switch
    {
        0x0600 => "host bridge, class 0600",
        0x0601 => "ISA/LPC bridge, class 0601",
        0x0604 or 0x0609 => "PCI-to-PCI bridge, class " + (cls >> 8).ToString("x4", CultureInfo.InvariantCulture),
        0x0607 => "CardBus bridge, class 0607",
        _ when cls < 0 => "bridge header type",
        _ => "class " + (cls >> 8).ToString("x4", CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Interfaces on the function that carry an IP address (link-local IPv6 aside, which every up
    /// interface has): configured for host use, so taking them away needs -Force. Not part of
    /// <see cref="Check"/>, whose refusals Enable-VfioDevice documents.
    /// </summary>
    public IReadOnlyList<HostUsageReason> CheckAddresses(PciAddress address)
    {
        var found = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (iface, ip) in _addresses ??= InterfaceAddresses().ToList())
        {
            if (ip.IsIPv6LinkLocal || IPAddress.IsLoopback(ip) || !_topo.PciOfInterface(iface).Contains(address)) continue;
            if (!found.TryGetValue(iface, out var l)) found[iface] = l = new List<string>();
            if (!l.Contains(ip.ToString())) l.Add(ip.ToString());
        }
        return found.Select(kv => new HostUsageReason(Ids.IpAddress, address.ToString(),
            $"{address} carries {kv.Key}, which has the address {string.Join(", ", kv.Value)}.",
            $"Remove the address (ip addr flush dev {kv.Key}) if nothing uses it, or use -Force.")).ToList();
    }

    private List<(string Interface, IPAddress Address)>? _addresses;

    private Dictionary<PciAddress, List<HostUsageReason>> Scan()
    {
        var map = new Dictionary<PciAddress, List<HostUsageReason>>();
        void Add(IEnumerable<PciAddress> addrs, Func<PciAddress, HostUsageReason> make)
        {
            foreach (var a in addrs)
            {
                if (!map.TryGetValue(a, out var l)) map[a] = l = new List<HostUsageReason>();
                var r = make(a);
                if (!l.Any(x => x.ErrorId == r.ErrorId && x.Message == r.Message)) l.Add(r);
            }
        }
        ScanMounts(Add);
        ScanSwaps(Add);
        foreach (var (member, holder) in _topo.HeldBlockDevices())
            Add(_topo.PciOfBlock(member), a => new HostUsageReason(Ids.VolumeMember, a.ToString(),
                $"{a} carries {member}, a member of {Describe(holder)} (LVM/MD/dm).",
                "Deactivate the volume group or array (vgchange -an, mdadm --stop) first, or use -Force if you know it is unused."));
        ScanNetwork(Add);
        foreach (var l in map.Values) l.Sort((x, y) => Rank(x.ErrorId).CompareTo(Rank(y.ErrorId)));
        return map;
    }

    private static int Rank(string id) => Array.IndexOf(new[]
    {
        Ids.Bridge, Ids.PlatformFunction, Ids.RootFilesystem, Ids.SshSession, Ids.DefaultRoute, Ids.MountedFilesystem, Ids.Swap, Ids.VolumeMember, Ids.BootVga, Ids.IpAddress,
    }, id);

    private string Describe(string block)
    {
        var name = ReadTrim($"/sys/block/{block}/dm/name");
        return string.IsNullOrEmpty(name) ? block : $"{block} ({name})";
    }

    private void ScanMounts(Action<IEnumerable<PciAddress>, Func<PciAddress, HostUsageReason>> add)
    {
        var numbers = _topo.BlockDevNumbers();
        var byNumber = numbers.GroupBy(kv => kv.Value).ToDictionary(g => g.Key, g => g.First().Key, StringComparer.Ordinal);
        var mounts = new List<(string? DevNumber, string Source, string MountPoint)>();
        var info = ReadText("/proc/self/mountinfo");
        if (info is not null)
        {
            foreach (var line in info.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var f = line.Split(' ');
                var sep = Array.IndexOf(f, "-");
                if (f.Length < 5 || sep < 0 || sep + 2 >= f.Length) continue;
                mounts.Add((f[2], Unescape(f[sep + 2]), Unescape(f[4])));
            }
        }
        else
        {
            foreach (var line in (ReadText("/proc/self/mounts") ?? ReadText("/proc/mounts") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var f = line.Split(' ');
                if (f.Length >= 2) mounts.Add((null, Unescape(f[0]), Unescape(f[1])));
            }
        }
        foreach (var (number, source, mountPoint) in mounts)
        {
            var block = BlockOfSource(source);
            if (block is null && number is not null) byNumber.TryGetValue(number, out block);
            if (block is null) continue;
            var isRoot = mountPoint == "/";
            add(_topo.PciOfBlock(block), a => new HostUsageReason(isRoot ? Ids.RootFilesystem : Ids.MountedFilesystem, a.ToString(),
                isRoot
                    ? $"{a} holds the root file system ({source} on /, via {block}). Unbinding it crashes the host."
                    : $"{a} backs the file system mounted on {mountPoint} ({source}, via {block}).",
                isRoot
                    ? "Choose another device; the root file system cannot be moved away while the host runs."
                    : $"Unmount {mountPoint} first (and remove it from /etc/fstab), or use -Force if you accept losing it."));
        }
    }

    private void ScanSwaps(Action<IEnumerable<PciAddress>, Func<PciAddress, HostUsageReason>> add)
    {
        var lines = (ReadText("/proc/swaps") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 2 || f[1] != "partition") continue;
            var source = Unescape(f[0]);
            var block = BlockOfSource(source);
            if (block is null) continue;
            add(_topo.PciOfBlock(block), a => new HostUsageReason(Ids.Swap, a.ToString(),
                $"{a} carries the active swap space {source}.",
                $"Run swapoff {source} (and remove it from /etc/fstab) first, or use -Force."));
        }
    }

    /// <summary>The kernel block name behind a mount source (/dev/sda1, /dev/mapper/vg-root, /dev/disk/by-uuid/...).</summary>
    private string? BlockOfSource(string source)
    {
        if (!source.StartsWith("/dev/", StringComparison.Ordinal)) return null;
        if (source.StartsWith("/dev/mapper/", StringComparison.Ordinal))
            return _topo.DmByName(source["/dev/mapper/".Length..]) ?? LinkedBlock(source);
        var name = source["/dev/".Length..];
        if (!name.Contains('/') && _topo.BlockDir(name) is not null) return name;
        return LinkedBlock(source);
    }

    private string? LinkedBlock(string devPath)
    {
        var target = HostPath.Resolve(_fs, devPath);
        if (target is null || !target.StartsWith("/dev/", StringComparison.Ordinal)) return null;
        var name = HostPath.Name(target);
        return _topo.BlockDir(name) is not null ? name : null;
    }

    private void ScanNetwork(Action<IEnumerable<PciAddress>, Func<PciAddress, HostUsageReason>> add)
    {
        foreach (var iface in DefaultRouteInterfaces())
            add(_topo.PciOfInterface(iface), a => new HostUsageReason(Ids.DefaultRoute, a.ToString(),
                $"{a} carries {iface}, the interface of the default route. The host loses its network when it is unbound.",
                "Move the default route to another interface first, or use -Force from a console session."));
        if (SshInterface() is (string sshIface, string server))
            add(_topo.PciOfInterface(sshIface), a => new HostUsageReason(Ids.SshSession, a.ToString(),
                $"{a} carries {sshIface}, which holds {server}, the address of your SSH session. Unbinding it disconnects you.",
                "Connect through another interface (or the console) first, or use -Force."));
    }

    private IEnumerable<string> DefaultRouteInterfaces()
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var line in (ReadText("/proc/net/route") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 8 && f[1] == "00000000" && f[7] == "00000000") set.Add(f[0]);
        }
        foreach (var line in (ReadText("/proc/net/ipv6_route") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 10 && f[1] == "00" && f[0].All(c => c == '0') && f[9] != "lo") set.Add(f[9]);
        }
        return set;
    }

    /// <summary>The interface holding the server side address of SSH_CONNECTION, and that address.</summary>
    private (string, string)? SshInterface()
    {
        var parts = _sshConnection?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts is null || parts.Length < 3 || !IPAddress.TryParse(parts[2], out var server)) return null;
        if (server.IsIPv4MappedToIPv6) server = server.MapToIPv4();
        foreach (var (iface, addr) in _addresses ??= InterfaceAddresses().ToList())
            if (addr.Equals(server)) return (iface, server.ToString());
        return null;
    }

    private IEnumerable<(string Interface, IPAddress Address)> InterfaceAddresses()
    {
        // IPv6 addresses are in procfs; IPv4 ones only through netlink, hence `ip`.
        foreach (var line in (ReadText("/proc/net/if_inet6") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 6 || f[0].Length != 32) continue;
            var bytes = Convert.FromHexString(f[0]);
            yield return (f[5], new IPAddress(bytes));
        }
        if (!_host.ProgramsSeeThisRoot) yield break;
        ProcessResult r;
        try { r = _host.Processes.Run("ip", new[] { "-o", "addr", "show" }, TimeSpan.FromSeconds(10)); }
        catch (HostIOException) { yield break; }
        if (r.ExitCode != 0) yield break;
        foreach (var line in r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "2: eth0    inet 192.0.2.10/24 brd 192.0.2.255 scope global eth0\       valid_lft forever ..."
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 4 || (f[2] != "inet" && f[2] != "inet6")) continue;
            var name = f[1].Split('@')[0];
            var slash = f[3].IndexOf('/');
            if (IPAddress.TryParse(slash < 0 ? f[3] : f[3][..slash], out var ip)) yield return (name, ip);
        }
    }

    private string? ReadText(string path) => HostPath.TryReadText(_fs, path);

    private string? ReadTrim(string path) => ReadText(path)?.Trim();

    /// <summary>Undoes the octal escapes (\040 for space) that /proc/mounts uses.</summary>
    private static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 3 < s.Length &&
                int.TryParse(s.AsSpan(i + 1, 3), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else sb.Append(s[i]);
        }
        return sb.ToString();
    }
}
