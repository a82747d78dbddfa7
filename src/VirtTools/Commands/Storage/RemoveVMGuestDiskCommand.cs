using System.Management.Automation;

namespace VirtTools.Commands;

/// <summary>Detaches a disk from guests (unplugged live and removed from the definition), optionally deleting its volume.</summary>
[Cmdlet(VerbsCommon.Remove, "VMGuestDisk", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High,
    HelpUri = VirtToolsCmdlet.HelpBase + "Remove-VMGuestDisk.md")]
[OutputType(typeof(VMGuestDisk))]
public sealed class RemoveVMGuestDiskCommand : GuestDiskChangeCommandBase
{
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DiskTargetCompleter))]
    public string Target { get; set; } = "";

    /// <summary>Also delete the disk's libvirt volume (never a DVD's image, never a file outside any pool).</summary>
    [Parameter]
    public SwitchParameter RemoveStorage { get; set; }

    /// <summary>Remove the disk a running guest booted from.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        var c = Connection();
        var service = Service(c);
        ForEachGuest(c, Name, d =>
        {
            var before = PassThru ? ReadDisks(d, c.Uri).FirstOrDefault(x => x.Target == Target) : null;
            var change = service.PlanRemove(d, Target, RemoveStorage, Force, Scope);
            if (!ShouldProcess($"guest '{d.Name}' on {c.Uri}", change.Plan.Describe())) return;
            foreach (var w in change.Plan.Warnings) WriteWarning(w);
            Apply(d, change.Plan);
            // The disk is gone: -PassThru returns it as it was.
            if (before is not null) WriteObject(before);
        });
    }
}
