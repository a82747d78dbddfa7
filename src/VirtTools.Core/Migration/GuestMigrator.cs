using System.Diagnostics;
using System.Xml.Linq;
using VirtTools.Libvirt;
using VirtTools.Guests;

namespace VirtTools.Migration;

/// <summary>
/// Moves a guest between two libvirt connections with virDomainMigrate3 (the client holds both ends,
/// as virsh migrate without --p2p), after pre-flight checks on both. The call runs on a worker thread;
/// the caller's thread polls virDomainGetJobStats for progress and turns a cancellation into
/// virDomainAbortJob, which leaves the guest running on the source.
/// </summary>
public static partial class GuestMigrator
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
        var def = GuestReader.Definition(guest.GetXml());
        using var there = destination.FindDomain(guest.Name);
        return new MigrationSituation(def, guest.IsActive, SnapshotCount(guest, def), r.Offline, r.CopyStorage,
            HostUuid(source), HostUuid(destination), there is not null, r.DestinationUri)
        {
            DestinationDisks = r.CopyStorage && !r.Offline
                ? MigrationPreflight.CopiedDisks(def).Select(d => SurveyDisk(source, destination, d)).ToArray()
                : Array.Empty<DestinationDisk>(),
        };
    }

    /// <summary>
    /// libxl has no snapshot API: asking it fails ("this function is not supported by the connection
    /// driver"), so a Xen guest has none instead of the survey failing before any pre-flight check.
    /// </summary>
    private static int SnapshotCount(ILibvirtDomain guest, DomainDefinition def)
    {
        if (def.IsXen) return 0;
        var snaps = guest.ListSnapshots();
        foreach (var s in snaps) s.Dispose();
        return snaps.Count;
    }

    /// <summary>
    /// What libvirt's destination will do with one copied disk: an existing volume is copied into; a
    /// missing file is created only in a pool whose target path is the file's directory (libvirt's
    /// qemuMigrationDstPrecreateStorage), a missing type='volume' disk only in the pool of that name.
    /// </summary>
    private static DestinationDisk SurveyDisk(ILibvirtConnection source, ILibvirtConnection destination, DomainDisk d)
    {
        long? Capacity(ILibvirtConnection c, string path)
        {
            using var v = c.FindStorageVolume(path);
            return v?.CapacityBytes;
        }

        if (d.Pool is string poolName)
        {
            var volume = d.Source![(poolName.Length + 1)..];
            using var pool = destination.FindStoragePool(poolName);
            if (pool is null) return new DestinationDisk(d, DestinationDiskState.Unknown, null, null, null);
            if (!pool.IsActive) return new DestinationDisk(d, DestinationDiskState.PoolInactive, poolName, null, null);
            using var there = pool.FindVolume(volume);
            return there is null
                ? new DestinationDisk(d, DestinationDiskState.PoolCreates, poolName, null, null)
                : new DestinationDisk(d, DestinationDiskState.Exists, poolName, null, there.CapacityBytes);
        }

        var path = d.Source!;
        var sourceSize = Capacity(source, path);
        if (Capacity(destination, path) is long size)
            return new DestinationDisk(d, DestinationDiskState.Exists, null, sourceSize, size);
        if (d.SourceType != "file") return new DestinationDisk(d, DestinationDiskState.Unknown, null, sourceSize, null);
        var dir = Path.GetDirectoryName(path);
        foreach (var pool in destination.ListStoragePools())
            using (pool)
            {
                var target = (string?)XDocument.Parse(pool.GetXml()).Root?.Element("target")?.Element("path");
                if (target is null || dir is null || Path.TrimEndingDirectorySeparator(target) != dir) continue;
                if (!pool.IsActive) return new DestinationDisk(d, DestinationDiskState.PoolInactive, pool.Name, sourceSize, null);
                // An image made there with qemu-img is a volume only once the pool has looked again.
                pool.Refresh();
                using var there = pool.FindVolume(Path.GetFileName(path));
                return there is null
                    ? new DestinationDisk(d, DestinationDiskState.PoolCreates, pool.Name, sourceSize, null)
                    : new DestinationDisk(d, DestinationDiskState.Exists, pool.Name, sourceSize, there.CapacityBytes);
            }
        return new DestinationDisk(d, DestinationDiskState.Unknown, null, sourceSize, null);
    }

    /// <summary>
    /// A persistent guest moved with -UndefineSource keeps a persistent definition at the destination
    /// even without -Persistent: else its only definition would be deleted, and the first shutdown or
    /// crash there would lose the guest for good.
    /// </summary>
    public static MigrationRequest KeepDefinition(MigrationRequest r, bool sourcePersistent) =>
        r.UndefineSource && sourcePersistent && !r.Persistent ? r with { Persistent = true } : r;

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
            catch (LibvirtException e) when (r.CopyStorage && e.Code == ErrorCodes.NoStoragePool)
            {
                failure = MigrationPreflight.DestinationDiskMissing(guest.Name,
                    MigrationPreflight.CopiedDisks(GuestReader.Definition(guest.GetXml())), r.DestinationUri, e);
            }
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
