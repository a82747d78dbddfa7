using System.Diagnostics;
using System.Globalization;
using VirtTools.Libvirt;
using VirtTools.Monitoring;
using VirtTools.Tests.Guests;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Monitoring;

/// <summary>
/// Measure-VMGuest's core: parsing of typed-parameter sets recorded from a real QEMU daemon (virsh domstats
/// --raw of the lab's TCG guest, 2 s apart), rates, and ONE bulk call per sample on libvirt's test driver.
/// </summary>
[Collection(TestDriverCollection.Name)]
public sealed class GuestMonitorTests : IDisposable
{
    private readonly TestDriverGuests _g = new();
    private FaultyConnection _c => _g.C;

    public void Dispose() => _g.Dispose();

    /// <summary>A recording as libvirt types it: numbers as unsigned long long (counters) and strings.</summary>
    internal static LibvirtDomainStats Recorded(string file, Guid uuid)
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Monitoring", "testdata", file));
        var name = lines.First(l => l.StartsWith("Domain: ", StringComparison.Ordinal))[8..].Trim('\'');
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var l in lines.Where(l => l.StartsWith("  ", StringComparison.Ordinal)))
        {
            var (k, v) = (l.Trim()[..l.Trim().IndexOf('=')], l.Trim()[(l.Trim().IndexOf('=') + 1)..]);
            values[k] = ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var u) ? u : v;
        }
        return new LibvirtDomainStats(name, uuid, values);
    }

    private static readonly Guid Tcg = Guid.Parse("6b845af8-d5d8-428e-a0de-decd71bd448a");

    [Fact]
    public void A_recorded_real_daemon_sample_reads_in_libvirts_units()
    {
        var s = GuestStatsParser.Parse(Recorded("domstats-tcg-1.txt", Tcg), 0);
        Assert.Equal("rec1", s.Name);
        Assert.Equal(DomainState.Running, s.State);
        Assert.Equal(4_900_000_000L, s.CpuTimeNs);
        Assert.Equal((1, 1), (s.ProcessorCount, s.MaximumProcessorCount));
        Assert.Equal(131072L * 1024, s.MemoryBytes);       // balloon.* are KiB
        Assert.Equal(237172L * 1024, s.MemoryRssBytes);
        Assert.Null(s.MemoryUnusedBytes);                   // no balloon statistics from this guest
        var disk = Assert.Single(s.Disks!);
        Assert.Equal(("vda", "/tmp/vt-mon-rec/disk.qcow2", 0L, 0L), (disk.Name, disk.Path, disk.ReadBytes!.Value, disk.WriteOperations!.Value));
        var nic = Assert.Single(s.Nics!);
        Assert.Equal(("vnet0", 90L, 1L, 0L), (nic.Name, nic.ReceivedBytes!.Value, nic.ReceivedPackets!.Value, nic.SentDrops!.Value));
    }

    [Fact]
    public void Two_recorded_samples_give_cpu_percent_of_one_host_cpu()
    {
        var before = GuestStatsParser.Parse(Recorded("domstats-tcg-1.txt", Tcg), 0);
        var after = GuestStatsParser.Parse(Recorded("domstats-tcg-2.txt", Tcg), 2 * Stopwatch.Frequency);
        var m = GuestMonitor.Measure(before, after, "qemu:///system", 1);
        Assert.Equal(TimeSpan.FromSeconds(5.04), m.CpuTime);
        Assert.Equal(7.0, m.CpuPercent!.Value, 6);          // 0.14 s of CPU in 2 s
        Assert.Equal(2.0, m.SampleInterval.TotalSeconds, 6);
        Assert.Equal(0, m.DiskReadBytesPerSecond);
        Assert.Equal(0, m.NetworkReceivedBytesPerSecond);
        Assert.Equal(237172L * 1024, m.MemoryRssBytes);
    }

    private static GuestStatsSample Sample(long t, long cpu, params (string Name, long Rd, long Rx)[] devs) =>
        new("g", Tcg, t, DomainState.Running, cpu, 2, 4, 1 << 30, null, null, null,
            devs.Select(d => new DiskCounters(d.Name, "/img/" + d.Name, d.Rd, d.Rd * 2, d.Rd / 512, d.Rd / 256)).ToList(),
            devs.Select(d => new NicCounters("vnet-" + d.Name, d.Rx, d.Rx / 2, d.Rx / 100, d.Rx / 200, 0, 0)).ToList());

    [Fact]
    public void Rates_per_device_per_second_and_their_sums()
    {
        var f = Stopwatch.Frequency;
        var m = GuestMonitor.Measure(Sample(0, 0, ("vda", 1024, 1000), ("vdb", 0, 0)),
                                     Sample(4 * f, 6_000_000_000, ("vda", 1024 + 4 * 51200, 1000 + 4000), ("vdb", 4 * 512, 400)), "u", 3);
        Assert.Equal(150.0, m.CpuPercent!.Value, 6);        // two busy vCPUs: above 100, as top shows
        var vda = m.Disks.Single(d => d.Name == "vda");
        Assert.Equal((51200.0, 102400.0, 100.0), (vda.ReadBytesPerSecond!.Value, vda.WriteBytesPerSecond!.Value, vda.ReadOperationsPerSecond!.Value));
        Assert.Equal(51200.0 + 512, m.DiskReadBytesPerSecond!.Value, 6);
        Assert.Equal(1000.0 + 100, m.NetworkReceivedBytesPerSecond!.Value, 6);
        Assert.Equal(500.0 + 50, m.NetworkSentBytesPerSecond!.Value, 6);
        Assert.Equal(3, m.SampleNumber);
    }

    [Fact]
    public void A_counter_that_went_back_or_a_new_disk_has_no_rate()
    {
        var f = Stopwatch.Frequency;
        var m = GuestMonitor.Measure(Sample(0, 9_000_000_000, ("vda", 4096, 10)),
                                     Sample(f, 1_000_000_000, ("vda", 1024, 20), ("vdb", 4096, 0)), "u", 1);
        Assert.Null(m.CpuPercent);                          // the guest restarted between the samples
        Assert.Null(m.Disks.Single(d => d.Name == "vda").ReadBytesPerSecond);
        Assert.Null(m.Disks.Single(d => d.Name == "vdb").ReadBytesPerSecond);
        Assert.Null(m.DiskReadBytesPerSecond);              // unknown, not zero
        Assert.Equal(10.0, m.NetworkAdapters.Single(n => n.Name == "vnet-vda").ReceivedBytesPerSecond!.Value, 6);
    }

    private void Running(string name) => _g.Running(name);

    [Fact]
    public void Every_running_guest_is_read_with_one_bulk_call_per_sample()
    {
        foreach (var n in new[] { "vt-mon-a", "vt-mon-b", "vt-mon-c" }) Running(n);
        var running = _c.ListDomains(DomainListFlags.Active).Count;
        var all = GuestMonitor.Run(new[] { new GuestMonitor(_c) }, TimeSpan.FromMilliseconds(10), 3, CancellationToken.None).ToList();
        Assert.Equal(new[] { "all", "all", "all", "all" }, _c.StatsCalls);   // the base sample and three
        Assert.Equal(3 * running, all.Count);
        Assert.Equal(new[] { 1, 2, 3 }, all.Select(m => m.SampleNumber).Distinct());
        Assert.Contains(all, m => m.Name == "vt-mon-b" && m.State == "Running");
        Assert.All(all, m => Assert.Equal(LibvirtBindingTests.TestUri, m.ConnectionUri));
    }

    [Fact]
    public void Chosen_guests_are_read_with_one_list_call_per_sample_and_nothing_else()
    {
        foreach (var n in new[] { "vt-mon-d", "vt-mon-e", "vt-mon-f" }) Running(n);
        var chosen = new[] { _c.FindDomain("vt-mon-d")!, _c.FindDomain("vt-mon-f")! };
        try
        {
            var all = GuestMonitor.Run(new[] { new GuestMonitor(_c, chosen) }, TimeSpan.FromMilliseconds(10), 2, CancellationToken.None).ToList();
            Assert.Equal(new[] { "list 2", "list 2", "list 2" }, _c.StatsCalls);
            Assert.Equal(new[] { "vt-mon-d", "vt-mon-f", "vt-mon-d", "vt-mon-f" }, all.Select(m => m.Name));
        }
        finally { foreach (var d in chosen) d.Dispose(); }
    }

    [Fact]
    public void The_test_driver_reports_only_the_state_group_so_figures_are_null_not_zero()
    {
        Running("vt-mon-g");
        var m = GuestMonitor.Run(new[] { new GuestMonitor(_c) }, TimeSpan.FromMilliseconds(10), 1, CancellationToken.None).Single(x => x.Name == "vt-mon-g");
        Assert.Null(m.CpuTime);
        Assert.Null(m.CpuPercent);
        Assert.Null(m.MemoryBytes);
        Assert.Empty(m.Disks);
        Assert.Null(m.DiskReadBytesPerSecond);              // no block group: unknown, where a guest without disks reads 0
        Assert.Null(m.NetworkSentBytesPerSecond);
    }

    [Fact]
    public void Continuous_sampling_stops_when_cancelled()
    {
        Running("vt-mon-h");
        using var cts = new CancellationTokenSource();
        var seen = 0;
        foreach (var m in GuestMonitor.Run(new[] { new GuestMonitor(_c) }, TimeSpan.FromMilliseconds(20), null, cts.Token))
            if (m.Name == "vt-mon-h" && ++seen == 5) cts.Cancel();
        Assert.Equal(5, seen);
        Assert.Equal(6, _c.StatsCalls.Count);
    }

    [Fact]
    public void Libvirts_refusal_of_the_bulk_call_is_a_LibvirtException()
    {
        // The test driver refuses the groups it cannot fill when asked to enforce them (VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS).
        const DomainListFlags enforce = (DomainListFlags)0x80000000u;
        var e = Assert.ThrowsAny<LibvirtException>(() => _c.GetDomainStats(GuestMonitor.Groups, enforce));
        Assert.Equal("virConnectGetAllDomainStats", e.Operation);
    }
}
