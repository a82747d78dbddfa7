using System.Management.Automation;
using VirtTools.Libvirt;
using VirtTools.Migration;

namespace VirtTools.Commands;

public sealed partial class MoveVMGuestCommand
{
    /// <summary>Takes the guest's snapshots along: their definitions are moved, their data stays in the qcow2 images, which the destination must reach.</summary>
    [Parameter]
    public SwitchParameter IncludeSnapshots { get; set; }

    private string SnapshotsNote(MigrationSituation s) =>
        IncludeSnapshots && s.SnapshotCount > 0 ? $" with its {s.SnapshotCount} snapshot(s)" : "";

    private ILibvirtDomain Migrate(ILibvirtConnection source, ILibvirtDomain guest, MigrationRequest request, MigrationSituation situation,
        Func<MigrationRequest, ILibvirtDomain> run)
    {
        // A Xen guest has no snapshots to carry, and libxl refuses the snapshot calls the carry-over makes.
        if (!IncludeSnapshots || situation.Guest.IsXen) return run(request);
        WriteVerbose($"-IncludeSnapshots: the snapshots of '{guest.Name}' are kept, their metadata dropped here, and defined again at {DestinationUri} after the move.");
        return GuestMigrator.RunWithSnapshots(source, guest, request, run);
    }
}
