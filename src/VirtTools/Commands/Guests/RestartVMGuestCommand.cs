using System.Management.Automation;
using VirtTools.Guests;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

[Cmdlet(VerbsLifecycle.Restart, "VMGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Restart-VMGuest.md")]
[OutputType(typeof(VMGuest))]
public sealed class RestartVMGuestCommand : GuestLifecycleCommandBase
{
    /// <summary>Reset at once (virsh reset) instead of asking the guest OS to reboot.</summary>
    [Parameter]
    public SwitchParameter TurnOff { get; set; }

    protected override string Action => TurnOff ? "Reset" : "Reboot (ACPI)";
    protected override string AskedState => "restarting";
    protected override LifecycleOutcome Act(ILibvirtDomain d, ILibvirtConnection c) => GuestLifecycle.Restart(d, TurnOff);
}
