using System.Management.Automation;
using VirtTools.Guests;

namespace VirtTools.Commands;

[Cmdlet(VerbsLifecycle.Start, "VMGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = VirtToolsCmdlet.HelpBase + "Start-VMGuest.md")]
[OutputType(typeof(VMGuest))]
public sealed class StartVMGuestCommand() : PlainGuestLifecycleCommand("Start", "running", GuestLifecycle.Start);
