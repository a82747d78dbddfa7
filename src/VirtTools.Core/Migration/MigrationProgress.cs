using System.Globalization;

namespace VirtTools.Migration;

/// <summary>One sample of a running migration job (virDomainGetJobStats), and how to show it.</summary>
public sealed record MigrationProgress(
    TimeSpan Elapsed, long? DataTotal, long? DataProcessed, long? DataRemaining, long? MemoryIteration,
    long? DirtyRateBytesPerSecond, long? BandwidthBytesPerSecond, TimeSpan? Downtime)
{
    // "downtime" is QEMU's expected downtime while the job runs and the measured one once it completed.

    /// <summary>Builds a sample from the typed parameters libvirt returned (names from VIR_DOMAIN_JOB_*).</summary>
    public static MigrationProgress FromStatistics(IReadOnlyDictionary<string, object> values)
    {
        long? L(string key) => values.TryGetValue(key, out var v) ? Convert.ToInt64(v, CultureInfo.InvariantCulture) : null;
        TimeSpan? Ms(string key) => L(key) is long ms ? TimeSpan.FromMilliseconds(ms) : null;
        // memory_dirty_rate is in pages per second; memory_page_size says how large a page is.
        long? dirty = L("memory_dirty_rate") is long pages ? pages * (L("memory_page_size") ?? 4096) : null;
        return new MigrationProgress(Ms("time_elapsed") ?? TimeSpan.Zero, L("data_total"), L("data_processed"),
            L("data_remaining"), L("memory_iteration"), dirty, L("memory_bps"), Ms("downtime"));
    }

    /// <summary>0-100 from what is left of the total (the total grows when memory is dirtied again); -1 when unknown.</summary>
    public int PercentComplete =>
        DataTotal is long t && t > 0 && DataRemaining is long r ? (int)Math.Clamp(100 * (t - Math.Min(r, t)) / t, 0, 100) : -1;

    public string Describe()
    {
        var parts = new List<string>();
        if (DataProcessed is long p) parts.Add($"{Mib(p)} of {(DataTotal is long t ? Mib(t) : "?")} MiB sent");
        if (DataRemaining is long r) parts.Add($"{Mib(r)} MiB left");
        if (MemoryIteration is long i) parts.Add($"pass {i}");
        if (BandwidthBytesPerSecond is long b && b > 0) parts.Add($"{Mib(b)} MiB/s");
        if (DirtyRateBytesPerSecond is long d && d > 0) parts.Add($"dirtying {Mib(d)} MiB/s");
        if (Downtime is TimeSpan e) parts.Add($"expected downtime {e.TotalMilliseconds:0} ms");
        return parts.Count == 0 ? "starting" : string.Join(", ", parts);
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);
}
