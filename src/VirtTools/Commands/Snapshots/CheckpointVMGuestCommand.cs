using System.Management.Automation;
using VirtTools.Snapshots;

namespace VirtTools.Commands;

/// <summary>Takes a libvirt snapshot of guests (memory too while they run), after the checks that libvirt would fail late or not at all.</summary>
[Cmdlet(VerbsData.Checkpoint, "VMGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Checkpoint-VMGuest.md")]
[OutputType(typeof(VMGuestSnapshot))]
public sealed class CheckpointVMGuestCommand : PipedGuestCmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(VMGuestNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Default: the local time, 2026-12-01_12-30-05.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? SnapshotName { get; set; }

    [Parameter]
    public string? Description { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var c = Connection();
        var svc = new SnapshotService(c);
        ForEachGuest(c, Name, guest =>
        {
            var name = SnapshotName ?? svc.DefaultName(guest, DateTime.Now);
            svc.CheckNew(guest, name);
            var what = guest.IsActive ? "with its memory (the guest pauses while it is saved)" : "of its disks";
            if (!ShouldProcess($"guest '{guest.Name}' at {c.Uri}", $"Take snapshot '{name}' {what}")) return;
            var s = svc.Create(guest, name, Description);
            if (PassThru) WriteObject(s);
        });
    }
}
