using System.Diagnostics;
using System.Xml.Linq;
using VirtTools.Libvirt;
using VirtTools.Snapshots;

namespace VirtTools.Migration;

/// <summary>What Move-VMGuest was asked for (virsh migrate's options).</summary>
public sealed record MigrationRequest(
    string DestinationUri, bool Offline = false, string? MigrationUri = null, long? BandwidthMiBps = null,
    bool CopyStorage = false, bool Persistent = false, bool UndefineSource = false);

/// <summary>
/// Moves a guest between two libvirt connections with virDomainMigrate3 (the client holds both ends,
/// as virsh migrate without --p2p), after pre-flight checks on both. The call runs on a worker thread;
/// the caller's thread polls virDomainGetJobStats for progress and turns a cancellation into
/// virDomainAbortJob, which leaves the guest running on the source.
/// </summary>
public static class GuestMigrator
{
    public static TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    public static ILibvirtConnection OpenDestination(string uri, Func<string, ILibvirtConnection> open)
    {
        try { return open(uri); }
        catch (LibvirtException e)
        {
            throw new VirtToolsException("MigrationDestinationUnreachable", FailureKind.ConnectionError,
                $"Cannot reach the destination {uri}: {e.LibvirtMessage}", uri,
                "Check that libvirtd (or virtqemud) runs there and the URI is right; for qemu+ssh:// this machine's SSH key must be " +
                "authorized for that user there (ssh-copy-id), and the migration port range (49152-49215/tcp) open in its firewall.", e);
        }
    }

    public static string? HostUuid(ILibvirtConnection c) =>
        (string?)XDocument.Parse(c.GetCapabilities()).Root?.Element("host")?.Element("uuid");

    public static MigrationSituation Survey(ILibvirtConnection source, ILibvirtDomain guest, ILibvirtConnection destination, MigrationRequest r)
    {
        var snaps = guest.ListSnapshots();
        foreach (var s in snaps) s.Dispose();
        using var there = destination.FindDomain(guest.Name);
        return new MigrationSituation(DomainFacts.Parse(guest.GetXml()), guest.IsActive, snaps.Count, r.Offline, r.CopyStorage,
            HostUuid(source), HostUuid(destination), there is not null, r.DestinationUri);
    }

    public static (MigrateFlags Flags, Dictionary<string, object> Parameters) Plan(MigrationRequest r)
    {
        // libvirt requires an offline move to leave a persistent definition behind at the destination.
        var flags = r.Offline ? MigrateFlags.Offline | MigrateFlags.PersistDestination : MigrateFlags.Live;
        if (r.Persistent) flags |= MigrateFlags.PersistDestination;
        if (r.UndefineSource) flags |= MigrateFlags.UndefineSource;
        if (r.CopyStorage) flags |= MigrateFlags.NonSharedDisk;
        var p = new Dictionary<string, object>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(r.MigrationUri))
        {
            p[MigrateParameters.Uri] = r.MigrationUri;
            // Over a UNIX socket the disks need their own socket too, or libvirt dials the destination's hostname.
            if (r.CopyStorage && r.MigrationUri.StartsWith("unix://", StringComparison.Ordinal))
                p[MigrateParameters.DisksUri] = r.MigrationUri + ".disks";
        }
        if (r.BandwidthMiBps is long bw) p[MigrateParameters.Bandwidth] = (ulong)bw;
        return (flags, p);
    }

    /// <summary>
    /// Runs the migration. <paramref name="progress"/> is called on the caller's thread; if it throws
    /// (the pipeline was stopped) the job is aborted first and the exception rethrown once the call ended.
    /// Returns the guest on the destination.
    /// </summary>
    public static ILibvirtDomain Run(ILibvirtDomain guest, ILibvirtConnection destination, MigrationRequest r,
        Action<MigrationProgress> progress, CancellationToken cancel, out VMGuestMigration result, string sourceUri)
    {
        var (flags, parameters) = Plan(r);
        ILibvirtDomain? moved = null;
        Exception? failure = null;
        var sw = Stopwatch.StartNew();
        var worker = new Thread(() =>
        {
            try { moved = guest.Migrate(destination, parameters, flags); }
            catch (Exception e) { failure = e; }
        }) { IsBackground = true, Name = "virttools-migrate" };
        worker.Start();

        bool aborted = false;
        Exception? stopped = null;
        while (!worker.Join(PollInterval))
        {
            if ((cancel.IsCancellationRequested || stopped is not null) && !aborted)
            {
                // Before the job has started libvirt says "no job is active": try again on the next tick.
                try { guest.AbortJob(); aborted = true; } catch (LibvirtException) { }
                continue;
            }
            if (aborted) continue;
            LibvirtJobStats stats;
            try { stats = guest.GetJobStats(); }
            catch (LibvirtException) { continue; } // the source domain is gone at the very end
            if (stats.Type is not (DomainJobType.Bounded or DomainJobType.Unbounded)) continue;
            try { progress(MigrationProgress.FromStatistics(stats.Values)); }
            catch (Exception e) { stopped = e; }
        }
        sw.Stop();

        if (moved is null)
        {
            if (stopped is not null) throw stopped;
            if (aborted || cancel.IsCancellationRequested)
                throw new VirtToolsException("MigrationAborted", FailureKind.OperationStopped,
                    $"The migration of '{guest.Name}' was aborted after {sw.Elapsed.TotalSeconds:0.0} s; the guest is still running on {sourceUri}.",
                    guest.Name, null, failure);
            throw failure ?? new InvalidOperationException("virDomainMigrate3 returned neither a domain nor an error");
        }

        result = new VMGuestMigration
        {
            Name = guest.Name,
            SourceUri = sourceUri,
            DestinationUri = r.DestinationUri,
            Mode = r.Offline ? "Offline" : "Live",
            TotalTime = sw.Elapsed,
            BandwidthMiBps = r.BandwidthMiBps,
        };
        if (!r.Offline)
        {
            try
            {
                var done = moved.GetJobStats(JobStatsFlags.Completed);
                var p = MigrationProgress.FromStatistics(done.Values);
                result.Downtime = p.Downtime;
                result.DataTransferredBytes = p.DataProcessed;
                result.MemoryIterations = p.MemoryIteration is long i ? (int)i : null;
            }
            catch (LibvirtException) { } // older daemons keep no completed statistics
        }
        if (stopped is not null) { moved.Dispose(); throw stopped; }
        return moved;
    }
}
