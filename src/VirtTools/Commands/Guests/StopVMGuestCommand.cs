using System.Management.Automation;
using VirtTools.Guests;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

[Cmdlet(VerbsLifecycle.Stop, "VMGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Stop-VMGuest.md")]
[OutputType(typeof(VMGuest))]
public sealed class StopVMGuestCommand : GuestLifecycleCommandBase
{
    private readonly CancellationTokenSource _stop = new();

    /// <summary>How long to wait for the guest to stop after the ACPI power button.</summary>
    [Parameter]
    [ValidateRange(0, 86400)]
    public int TimeoutSec { get; set; } = 120;

    /// <summary>Power off at once (virsh destroy), without asking the guest OS.</summary>
    [Parameter]
    public SwitchParameter TurnOff { get; set; }

    protected override string Action => TurnOff ? "Power off (TurnOff)" : "Shut down (ACPI power button)";
    protected override string AskedState => "shut off";

    protected override LifecycleOutcome Act(ILibvirtDomain d, ILibvirtConnection c)
    {
        var name = d.Name;
        var progress = new ProgressRecord(Math.Abs(name.GetHashCode() % 10000) + 1, $"Stopping guest '{name}'", "Waiting for the guest OS to power off");
        var sawProgress = false;
        try
        {
            return GuestLifecycle.Stop(d, TurnOff, TimeSpan.FromSeconds(TimeoutSec), elapsed =>
            {
                sawProgress = true;
                progress.PercentComplete = TimeoutSec == 0 ? 100 : (int)Math.Min(99, elapsed.TotalSeconds * 100 / TimeoutSec);
                progress.SecondsRemaining = (int)Math.Max(0, TimeoutSec - elapsed.TotalSeconds);
                WriteProgress(progress);
            }, _stop.Token);
        }
        finally
        {
            if (sawProgress)
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            }
        }
    }

    protected override void StopProcessing()
    {
        _stop.Cancel();
        base.StopProcessing();
    }
}
