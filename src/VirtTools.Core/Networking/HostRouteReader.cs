using System.Globalization;
using System.Net;
using System.Text.Json;
using VirtTools.Host;

namespace VirtTools.Networking;

/// <summary>
/// The host's routes from /proc/net/route and /proc/net/ipv6_route (through the host-root seam): what a
/// new libvirt network's subnet must not overlap. Default routes are left out (every subnet is inside
/// them), and so are IPv6's link-local, multicast and loopback routes, which every interface has.
/// </summary>
public static class HostRouteReader
{
    /// <summary>
    /// The main table from procfs, plus the unicast routes of every other table (policy routing: VRFs,
    /// VPN and multi-homed set-ups put theirs in tables of their own, which only netlink shows; read
    /// with `ip -j route show table all` when programs describe this root).
    /// </summary>
    public static IReadOnlyList<HostRoute> Read(HostContext host)
    {
        var routes = new List<HostRoute>(Read(host.Files));
        if (!host.ProgramsSeeThisRoot) return routes;
        foreach (var family in new[] { "-4", "-6" })
        {
            ProcessResult r;
            try { r = host.Processes.Run("ip", new[] { "-j", family, "route", "show", "table", "all" }, TimeSpan.FromSeconds(10)); }
            catch (HostIOException) { return routes; }
            if (r.ExitCode == 0) routes.AddRange(ParseJson(r.StandardOutput));
        }
        return routes;
    }

    /// <summary>Routes of tables other than main and local from `ip -j route show table all`; unicast only.</summary>
    internal static IEnumerable<HostRoute> ParseJson(string json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json); }
        catch (JsonException) { yield break; }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array) yield break;
            foreach (var e in doc.RootElement.EnumerateArray())
            {
                string? Text(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                var table = Text("table") ?? "main";
                if (table is "main" or "local" || (Text("type") ?? "unicast") != "unicast") continue;
                var dst = Text("dst");
                var dev = Text("dev") ?? "";
                if (dst is null or "default" || dev == "lo") continue;
                var slash = dst.IndexOf('/');
                if (!IPAddress.TryParse(slash < 0 ? dst : dst[..slash], out var address)) continue;
                var max = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32;
                var prefix = slash < 0 ? max : int.TryParse(dst[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : -1;
                if (prefix is <= 0 || prefix > max) continue;
                var bytes = address.GetAddressBytes();
                if (max == 128 && (bytes[0] == 0xff || (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80))) continue;
                yield return new HostRoute(new IPSubnet(address, prefix), dev, table);
            }
        }
    }

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
