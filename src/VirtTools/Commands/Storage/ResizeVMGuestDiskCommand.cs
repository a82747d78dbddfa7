using System.Management.Automation;

namespace VirtTools.Commands;

/// <summary>Grows a guest's disk: live through libvirt's block resize, offline through its storage volume. Never shrinks.</summary>
[Cmdlet("Resize", "VMGuestDisk", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    HelpUri = VirtToolsCmdlet.HelpBase + "Resize-VMGuestDisk.md")]
[OutputType(typeof(VMGuestDisk))]
public sealed class ResizeVMGuestDiskCommand : GuestDiskCommandBase
{
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DiskTargetCompleter))]
    public string Target { get; set; } = "";

    /// <summary>The new size; at least the disk's size now.</summary>
    [Parameter(Mandatory = true, Position = 2)]
    public long SizeBytes { get; set; }

    protected override void ProcessRecord()
    {
        var c = Connection();
        var service = Service(c);
        ForEachGuest(c, Name, d => Run(d, c, service.PlanResize(d, Target, SizeBytes)));
    }
}
