using System.Globalization;
using VirtTools.Libvirt;

namespace VirtTools.Monitoring;

/// <summary>
/// Reads the typed parameters of virConnectGetAllDomainStats (virsh domstats' fields): cpu.time in ns,
/// balloon.* in KiB, vcpu.current/maximum, block.N.* and net.N.* counters, indexed by block.count and net.count.
/// </summary>
public static class GuestStatsParser
{
    public static GuestStatsSample Parse(LibvirtDomainStats s, long timestamp)
    {
        var v = s.Values;
        var state = Num(v, "state.state") is { } st && Enum.IsDefined(typeof(DomainState), (int)st) ? (DomainState)(int)st : (DomainState?)null;
        return new GuestStatsSample(s.Name, s.Uuid, timestamp, state,
            Num(v, "cpu.time"), (int?)Num(v, "vcpu.current"), (int?)Num(v, "vcpu.maximum"),
            Kib(v, "balloon.current"), Kib(v, "balloon.available"), Kib(v, "balloon.unused"), Kib(v, "balloon.rss"),
            Indexed(v, "block", p => new DiskCounters(Str(v, p + "name") ?? "", Str(v, p + "path"),
                Num(v, p + "rd.bytes"), Num(v, p + "wr.bytes"), Num(v, p + "rd.reqs"), Num(v, p + "wr.reqs"))),
            Indexed(v, "net", p => new NicCounters(Str(v, p + "name") ?? "",
                Num(v, p + "rx.bytes"), Num(v, p + "tx.bytes"), Num(v, p + "rx.pkts"), Num(v, p + "tx.pkts"),
                Num(v, p + "rx.drop"), Num(v, p + "tx.drop"))));
    }

    private static List<T>? Indexed<T>(IReadOnlyDictionary<string, object> v, string group, Func<string, T> read)
    {
        if (Num(v, group + ".count") is not { } n) return null;
        var list = new List<T>();
        for (var i = 0; i < n; i++) list.Add(read($"{group}.{i}."));
        return list;
    }

    private static long? Kib(IReadOnlyDictionary<string, object> v, string key) => Num(v, key) * 1024;

    /// <summary>libvirt types counters as int, uint, llong or ullong (and a recording may hold text): any of them.</summary>
    internal static long? Num(IReadOnlyDictionary<string, object> v, string key) =>
        v.TryGetValue(key, out var o) ? o switch
        {
            int i => i,
            uint u => u,
            long l => l,
            ulong ul => ul > long.MaxValue ? long.MaxValue : (long)ul,
            string t when long.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) => p,
            _ => null,
        } : null;

    private static string? Str(IReadOnlyDictionary<string, object> v, string key) => v.TryGetValue(key, out var o) ? o as string ?? Convert.ToString(o, CultureInfo.InvariantCulture) : null;
}
