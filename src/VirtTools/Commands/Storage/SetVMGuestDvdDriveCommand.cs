using System.Management.Automation;

namespace VirtTools.Commands;

/// <summary>Inserts an ISO into a guest's DVD drive (-Path), or ejects it (-Path $null): live on a running guest and in its definition.</summary>
[Cmdlet(VerbsCommon.Set, "VMGuestDvdDrive", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    HelpUri = VirtToolsCmdlet.HelpBase + "Set-VMGuestDvdDrive.md")]
[OutputType(typeof(VMGuestDisk))]
public sealed class SetVMGuestDvdDriveCommand : GuestDiskChangeCommandBase
{
    /// <summary>The ISO image to insert; $null or '' ejects.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [AllowNull]
    [AllowEmptyString]
    public string? Path { get; set; }

    /// <summary>The drive (hdc, sda ...) when the guest has several; default its first DVD drive.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DiskTargetCompleter))]
    public string? Target { get; set; }

    /// <summary>Eject even when the guest has locked the tray.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        var c = Connection();
        var service = Service(c);
        var iso = string.IsNullOrEmpty(Path) ? null : Path;
        ForEachGuest(c, Name, d => Run(d, c, service.PlanMedia(d, Target, iso, Force, Scope)));
    }
}
