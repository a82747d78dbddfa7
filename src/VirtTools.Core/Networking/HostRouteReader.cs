using System.Globalization;
using System.Net;
using VirtTools.Host;

namespace VirtTools.Networking;

/// <summary>
/// The host's routes from /proc/net/route and /proc/net/ipv6_route (through the host-root seam): what a
/// new libvirt network's subnet must not overlap. Default routes are left out (every subnet is inside
/// them), and so are IPv6's link-local, multicast and loopback routes, which every interface has.
/// </summary>
public static class HostRouteReader
{
    public static IReadOnlyList<HostRoute> Read(IHostFileSystem files)
    {
        var routes = new List<HostRoute>();
        if (files.FileExists("/proc/net/route"))
            foreach (var line in files.ReadAllText("/proc/net/route").Split('\n').Skip(1))
                if (ParseV4(line) is { } r) routes.Add(r);
        if (files.FileExists("/proc/net/ipv6_route"))
            foreach (var line in files.ReadAllText("/proc/net/ipv6_route").Split('\n'))
                if (ParseV6(line) is { } r) routes.Add(r);
        return routes;
    }

    // Iface Destination Gateway Flags RefCnt Use Metric Mask ...: addresses in hex, in the kernel's (little-endian) byte order.
    private static HostRoute? ParseV4(string line)
    {
        var f = line.Split(new[] { '\t', ' ' }, StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 8 || !uint.TryParse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var dest)
            || !uint.TryParse(f[7], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask)) return null;
        var maskAddress = new IPAddress(BitConverter.GetBytes(mask));
        if (IPSubnet.PrefixOfMask(maskAddress) is not { } prefix || prefix == 0) return null;
        return new HostRoute(new IPSubnet(new IPAddress(BitConverter.GetBytes(dest)), prefix), f[0]);
    }

    // dest prefix src src_prefix nexthop metric refcnt use flags device: dest as 32 hex digits, prefix in hex.
    private static HostRoute? ParseV6(string line)
    {
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 10 || f[0].Length != 32 || !int.TryParse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var prefix)
            || prefix is 0 or > 128) return null;
        var bytes = Convert.FromHexString(f[0]);
        if (bytes[0] == 0xff || (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80) || f[9] == "lo") return null;
        return new HostRoute(new IPSubnet(new IPAddress(bytes), prefix), f[9]);
    }
}
