using System.Management.Automation;
using VirtTools.Guests;

namespace VirtTools.Commands;

[Cmdlet(VerbsLifecycle.Resume, "VMGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = VirtToolsCmdlet.HelpBase + "Resume-VMGuest.md")]
[OutputType(typeof(VMGuest))]
public sealed class ResumeVMGuestCommand() : PlainGuestLifecycleCommand("Resume", "running", GuestLifecycle.Resume);
