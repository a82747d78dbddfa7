using System.Management.Automation;
using VirtTools.Guests;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

[Cmdlet(VerbsLifecycle.Start, "VMGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = VirtToolsCmdlet.HelpBase + "Start-VMGuest.md")]
[OutputType(typeof(VMGuest))]
public sealed class StartVMGuestCommand : GuestLifecycleCommandBase
{
    protected override string Action => "Start";
    protected override string AskedState => "running";

    protected override void Refuse(ILibvirtDomain d) => GuestLifecycle.EnsureStartable(d, Connection());

    protected override LifecycleOutcome Act(ILibvirtDomain d, ILibvirtConnection c)
    {
        try { return GuestLifecycle.Start(d); }
        catch (LibvirtException e) when (ImageLocks.Holders(c, d, e) is { Count: > 0 } holders)
        {
            throw new VirtToolsException("DiskImageInUse", FailureKind.ResourceBusy,
                $"Guest '{d.Name}' did not start: its disk images are open in running guest(s) {string.Join(", ", holders.Select(h => $"'{h}'"))} ({e.LibvirtMessage}).",
                d.Name, $"Shut off {holders[0]} first (Stop-VMGuest {holders[0]}); a linked clone and its base never run at the same time.");
        }
    }
}
