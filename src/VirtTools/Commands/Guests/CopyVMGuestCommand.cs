using System.Management.Automation;
using VirtTools.Guests;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>
/// Clones a guest, as virt-clone does: a new name, UUID, MACs and NVRAM; its disks copied through
/// libvirt's storage API, or with -Linked made qcow2 overlays on the source's disks.
/// </summary>
[Cmdlet(VerbsCommon.Copy, "VMGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Copy-VMGuest.md")]
[OutputType(typeof(VMGuest))]
public sealed class CopyVMGuestCommand : PipedGuestCmdletBase
{
    /// <summary>The guest to clone (VMGuest objects bind by their Name).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VMGuestNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>The clone's name.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string NewName { get; set; } = "";

    /// <summary>qcow2 overlays on the source's disks instead of full copies: instant and small, but the source must stay shut off while a clone exists.</summary>
    [Parameter]
    public SwitchParameter Linked { get; set; }

    /// <summary>Where the new volumes go; default: the pool of each source disk.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StoragePool { get; set; }

    /// <summary>Copy a running guest's disks anyway (the copy may be inconsistent); never allowed with -Linked.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Start the clone.</summary>
    [Parameter]
    public SwitchParameter Start { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var c = Connection();
        var source = PipedGuest ?? Name;
        var cloner = new GuestCloner(c);
        ClonePlan plan;
        try { plan = cloner.Plan(source, NewName, Linked, StoragePool, Force); }
        catch (VirtToolsException e) { WriteError(e, source); return; }
        foreach (var w in plan.Warnings) WriteWarning(w);
        if (!ShouldProcess($"guest '{source}' on {c.Uri}", (Start ? "Create and start " : "Create ") + plan.Describe())) return;
        var progress = new ProgressRecord(Math.Abs(NewName.GetHashCode() % 10000) + 1, $"Cloning guest '{source}' as '{NewName}'", "Defining");
        try
        {
            using var d = cloner.Create(plan, Start, (i, disk) =>
            {
                progress.StatusDescription = disk.Linked ? $"Overlay {disk.NewPath}" : $"Copying {disk.SourcePath} to {disk.NewPath}";
                progress.PercentComplete = 100 * i / Math.Max(1, plan.Disks.Count);
                WriteProgress(progress);
            });
            if (PassThru) WriteObject(ToGuest(d, c));
        }
        catch (VirtToolsException e) { WriteError(e, source); }
        finally
        {
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
    }
}
