using System.Management.Automation;
using VirtTools.Guests;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

[Cmdlet(VerbsLifecycle.Restart, "VMGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Restart-VMGuest.md")]
[OutputType(typeof(VMGuest))]
public sealed class RestartVMGuestCommand : GuestLifecycleCommandBase
{
    /// <summary>How long to wait for the guest OS to go down after the reboot request (ACPI; libxl's default on Xen).</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; } = 120;

    /// <summary>Reset at once (virsh reset; power off and start on a driver without a reset) instead of asking the guest OS to reboot.</summary>
    [Parameter]
    public SwitchParameter TurnOff { get; set; }

    protected override string Action => TurnOff ? "Reset" : "Reboot (ACPI)";
    protected override string AskedState => "restarting";

    protected override LifecycleOutcome Act(ILibvirtDomain d, ILibvirtConnection c) =>
        WithWaitProgress(d.Name, $"Restarting guest '{d.Name}'", "Waiting for the guest OS to reboot", TimeoutSec,
            progress => GuestLifecycle.Restart(d, c, TurnOff, TimeSpan.FromSeconds(TimeoutSec), progress, Cancellation));
}
