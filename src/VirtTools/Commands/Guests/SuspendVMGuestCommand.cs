using System.Management.Automation;
using VirtTools.Guests;

namespace VirtTools.Commands;

[Cmdlet(VerbsLifecycle.Suspend, "VMGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = VirtToolsCmdlet.HelpBase + "Suspend-VMGuest.md")]
[OutputType(typeof(VMGuest))]
public sealed class SuspendVMGuestCommand() : PlainGuestLifecycleCommand("Suspend (pause)", "paused", GuestLifecycle.Suspend);
