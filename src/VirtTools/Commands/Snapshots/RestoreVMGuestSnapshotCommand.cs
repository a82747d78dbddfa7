using System.Management.Automation;

namespace VirtTools.Commands;

/// <summary>Reverts guests to a snapshot: their current state is lost.</summary>
[Cmdlet(VerbsData.Restore, "VMGuestSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ByName, HelpUri = VirtToolsCmdlet.HelpBase + "Restore-VMGuestSnapshot.md")]
[OutputType(typeof(VMGuestSnapshot))]
public sealed class RestoreVMGuestSnapshotCommand : SnapshotTargetCmdlet
{
    protected override void ProcessRecord()
    {
        foreach (var (svc, guest, snap) in Targets())
        {
            Try(snap, () =>
            {
                var s = svc.Get(guest, snap);
                var then = s.HasMemory ? $"it resumes {s.State} where it was at {s.CreationTime:g}" : $"its disks return to {s.CreationTime:g} and it is {s.State}";
                if (!ShouldProcess($"guest '{guest.Name}' at {svc.ConnectionUri}",
                        $"Revert to snapshot '{snap}': the guest's current state is lost; {then}")) return;
                var after = svc.Revert(guest, snap);
                if (PassThru) WriteObject(after);
            });
        }
    }
}
