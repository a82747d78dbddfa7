using System.Management.Automation;
using VirtTools.Guests;
using VirtTools.Libvirt;
using VirtTools.Migration;

namespace VirtTools.Commands;

/// <summary>
/// Moves guests to another libvirt host, live by default, with progress from the job statistics and
/// Ctrl+C aborting the job (the guest stays on the source). Pre-flight checks run on both ends first.
/// </summary>
[Cmdlet(VerbsCommon.Move, "VMGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Move-VMGuest.md")]
[OutputType(typeof(VMGuestMigration), typeof(VMGuest))]
public sealed partial class MoveVMGuestCommand : PipedGuestCmdletBase, IDisposable
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(VMGuestNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>The destination's libvirt URI: qemu+ssh://vhs02/system, qemu+tls://..., qemu+unix:///system?socket=...</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string DestinationUri { get; set; } = "";

    /// <summary>Moves the definition of a stopped guest (no data, no downtime).</summary>
    [Parameter]
    public SwitchParameter Offline { get; set; }

    /// <summary>The data channel: tcp://host[:port] or unix:///path. Default: libvirt picks the destination's hostname and a port from 49152.</summary>
    [Parameter]
    [ValidatePattern("^(tcp|unix|rdma)://")]
    public string? MigrationUri { get; set; }

    /// <summary>Bandwidth limit in MiB/s.</summary>
    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public long Bandwidth { get; set; }

    /// <summary>Copies local disks during the move (the destination needs the images, or a running pool for their directories, at the same paths).</summary>
    [Parameter]
    public SwitchParameter CopyStorage { get; set; }

    /// <summary>Keeps a persistent definition at the destination (virsh --persistent).</summary>
    [Parameter]
    public SwitchParameter Persistent { get; set; }

    /// <summary>Removes the definition from the source once the guest runs on the destination (virsh --undefinesource); a persistent guest stays persistent there.</summary>
    [Parameter]
    public SwitchParameter UndefineSource { get; set; }

    /// <summary>Returns the guest on the destination instead of the migration's figures.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, ILibvirtConnection> _destinations = new(StringComparer.Ordinal);

    protected override void ProcessRecord()
    {
        var source = Connection();
        ForEachGuest(source, Name, guest => Move(source, guest));
    }

    private void Move(ILibvirtConnection source, ILibvirtDomain guest)
    {
        if (!_destinations.TryGetValue(DestinationUri, out var dest))
            _destinations[DestinationUri] = dest = GuestMigrator.OpenDestination(DestinationUri, LibvirtConnector.Open);
        var request = GuestMigrator.KeepDefinition(new MigrationRequest(DestinationUri, Offline, MigrationUri, Bandwidth > 0 ? Bandwidth : null,
            CopyStorage, Persistent, UndefineSource), guest.IsPersistent);
        if (request.Persistent && !Persistent)
            WriteVerbose($"'{guest.Name}' is persistent and -UndefineSource deletes its definition here: it is kept persistent at the destination.");
        var situation = GuestMigrator.Survey(source, guest, dest, request) with { IncludeSnapshots = IncludeSnapshots };
        if (MigrationPreflight.Check(situation) is { } refusal) throw refusal;
        foreach (var d in situation.DestinationDisks)
            WriteVerbose($"-CopyStorage {d.Disk.Target} ({d.Disk.Source}): {d.State switch
            {
                DestinationDiskState.Exists => "the image exists at the destination",
                DestinationDiskState.PoolCreates => $"libvirt creates it in the destination's pool '{d.Pool}'",
                _ => "no destination pool knows this path: the image must exist there already",
            }}");

        var (flags, parameters) = GuestMigrator.Plan(request);
        var how = Offline ? "Move the definition (offline)" : "Move live";
        if (!ShouldProcess($"guest '{guest.Name}' from {source.Uri}", $"{how} to {DestinationUri}{SnapshotsNote(situation)}")) return;
        WriteVerbose($"virDomainMigrate3 flags={flags} ({(uint)flags:x}) parameters: " +
                     string.Join(", ", parameters.Select(p => $"{p.Key}={p.Value}")));

        var activity = $"Moving guest '{guest.Name}' to {DestinationUri}";
        var id = ActivityId(guest.Name);
        // A new record each time: hosts may keep the ones already written.
        WriteProgress(new ProgressRecord(id, activity, "starting"));
        VMGuestMigration result = null!;
        var moved = Migrate(source, guest, request, situation, r => GuestMigrator.Run(guest, dest, r,
            p => WriteProgress(new ProgressRecord(id, activity, p.Describe()) { PercentComplete = p.PercentComplete }),
            _stop.Token, out result, source.Uri));
        using (moved)
        {
            WriteProgress(new ProgressRecord(id, activity, "done") { RecordType = ProgressRecordType.Completed });
            WriteVerbose($"'{guest.Name}' runs on {DestinationUri} after {result.TotalTime.TotalSeconds:0.00} s" +
                         (result.Downtime is TimeSpan d ? $", downtime {d.TotalMilliseconds:0} ms" : ""));
            WriteObject(PassThru ? GuestReader.Read(moved, dest.Uri) : result);
        }
    }

    private static int ActivityId(string name) => 0x51A0 + (name.GetHashCode() & 0xFF);

    // Ctrl+C: only ask for the abort here. The connections stay open until the job has ended:
    // closing them now would leave the migration running with nobody to abort it.
    protected override void StopProcessing() => _stop.Cancel();

    protected override void EndProcessing()
    {
        CloseDestinations();
        base.EndProcessing();
    }

    void IDisposable.Dispose()
    {
        CloseDestinations();
        _stop.Dispose();
        Dispose();
    }

    private void CloseDestinations()
    {
        foreach (var d in _destinations.Values) d.Dispose();
        _destinations.Clear();
    }
}
