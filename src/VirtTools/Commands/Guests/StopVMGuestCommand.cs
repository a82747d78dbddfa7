using System.Management.Automation;
using VirtTools.Guests;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

[Cmdlet(VerbsLifecycle.Stop, "VMGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Stop-VMGuest.md")]
[OutputType(typeof(VMGuest))]
public sealed class StopVMGuestCommand : GuestLifecycleCommandBase
{
    /// <summary>How long to wait for the guest to stop after the ACPI power button.</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; } = 120;

    /// <summary>Power off at once (virsh destroy), without asking the guest OS.</summary>
    [Parameter]
    public SwitchParameter TurnOff { get; set; }

    protected override string Action => TurnOff ? "Power off (TurnOff)" : "Shut down (ACPI power button)";
    protected override string AskedState => "shut off";

    protected override LifecycleOutcome Act(ILibvirtDomain d, ILibvirtConnection c) =>
        WithWaitProgress(d.Name, $"Stopping guest '{d.Name}'", "Waiting for the guest OS to power off", TimeoutSec,
            progress => GuestLifecycle.Stop(d, TurnOff, TimeSpan.FromSeconds(TimeoutSec), progress, Cancellation));
}
