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
                // The tables' date form, not the culture's; libvirt's "shutoff" in words.
                var when = s.CreationTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
                var state = s.State == "shutoff" ? "shut off" : s.State;
                var then = s.HasMemory ? $"it resumes {state} where it was at {when}" : $"its disks return to {when} and it is {state}";
                if (!ShouldProcess($"guest '{guest.Name}' at {svc.ConnectionUri}",
                        $"Revert to snapshot '{snap}': the guest's current state is lost; {then}")) return;
                var after = svc.Revert(guest, snap);
                if (PassThru) WriteObject(after);
            });
        }
    }
}
