using System.Management.Automation;
using VirtTools.Guests;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>Start/Stop/Restart/Suspend/Resume/Remove-VMGuest: names or piped guests, ShouldProcess, -PassThru, "nothing changed".</summary>
public abstract class GuestLifecycleCommandBase : GuestCmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VMGuestNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>"Start", for the ShouldProcess action.</summary>
    protected abstract string Action { get; }

    /// <summary>"running", for "already running; nothing changed".</summary>
    protected abstract string AskedState { get; }

    protected abstract LifecycleOutcome Act(ILibvirtDomain d, ILibvirtConnection c);

    protected virtual string Describe(ILibvirtDomain d) => Action;

    protected override void ProcessRecord()
    {
        var c = Connection();
        foreach (var n in Name)
        {
            IEnumerable<ILibvirtDomain> found;
            try { found = Resolve(c, n).ToList(); }
            catch (LibvirtException e) { WriteError(e, n); continue; }
            foreach (var d in found)
                using (d) Handle(d, c);
        }
    }

    private void Handle(ILibvirtDomain d, ILibvirtConnection c)
    {
        var name = d.Name;
        try
        {
            if (!ShouldProcess($"guest '{name}' on {c.Uri}", Describe(d))) return;
            if (Act(d, c) == LifecycleOutcome.AlreadyInState)
                WriteWarning($"Guest '{name}' is already {AskedState}; nothing changed.");
            if (PassThru) Emit(d, c);
        }
        catch (VirtToolsException e) { WriteError(e, name); }
    }

    protected virtual void Emit(ILibvirtDomain d, ILibvirtConnection c) => WriteObject(ToGuest(d, c));
}

/// <summary>A lifecycle cmdlet without parameters of its own: one action, one state it leads to.</summary>
public abstract class PlainGuestLifecycleCommand(string action, string askedState, Func<ILibvirtDomain, LifecycleOutcome> act)
    : GuestLifecycleCommandBase
{
    protected override string Action => action;
    protected override string AskedState => askedState;
    protected override LifecycleOutcome Act(ILibvirtDomain d, ILibvirtConnection c) => act(d);
}

[Cmdlet(VerbsLifecycle.Start, "VMGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = VirtToolsCmdlet.HelpBase + "Start-VMGuest.md")]
[OutputType(typeof(VMGuest))]
public sealed class StartVMGuestCommand() : PlainGuestLifecycleCommand("Start", "running", GuestLifecycle.Start);

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

[Cmdlet(VerbsLifecycle.Suspend, "VMGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = VirtToolsCmdlet.HelpBase + "Suspend-VMGuest.md")]
[OutputType(typeof(VMGuest))]
public sealed class SuspendVMGuestCommand() : PlainGuestLifecycleCommand("Suspend (pause)", "paused", GuestLifecycle.Suspend);

[Cmdlet(VerbsLifecycle.Resume, "VMGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = VirtToolsCmdlet.HelpBase + "Resume-VMGuest.md")]
[OutputType(typeof(VMGuest))]
public sealed class ResumeVMGuestCommand() : PlainGuestLifecycleCommand("Resume", "running", GuestLifecycle.Resume);

[Cmdlet(VerbsCommon.Remove, "VMGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, HelpUri = VirtToolsCmdlet.HelpBase + "Remove-VMGuest.md")]
[OutputType(typeof(VMGuest))]
public sealed class RemoveVMGuestCommand : GuestLifecycleCommandBase
{
    /// <summary>Power off a running guest and remove it.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Also delete the guest's disks that are libvirt volumes (never its cdrom ISOs).</summary>
    [Parameter]
    public SwitchParameter RemoveStorage { get; set; }

    private VMGuest? _before;

    protected override string Action => "Remove";
    protected override string AskedState => "removed";

    protected override string Describe(ILibvirtDomain d)
    {
        var what = "Remove the definition, managed save, snapshot metadata and NVRAM";
        if (RemoveStorage)
        {
            var disks = GuestLifecycle.OwnedDisks(d);
            what += disks.Count > 0 ? $", and delete volumes {string.Join(", ", disks)}" : " (it has no disks to delete)";
        }
        if (d.IsActive) what = (Force ? "Power off, then " : "") + what;
        return what;
    }

    protected override LifecycleOutcome Act(ILibvirtDomain d, ILibvirtConnection c)
    {
        _before = PassThru ? ToGuest(d, c) : null;
        foreach (var path in GuestLifecycle.Remove(d, c, Force, RemoveStorage))
            WriteWarning($"{path} is not a libvirt volume (in no storage pool), so it was left in place.");
        return LifecycleOutcome.Changed;
    }

    /// <summary>The guest is gone: -PassThru returns it as it was before removal.</summary>
    protected override void Emit(ILibvirtDomain d, ILibvirtConnection c)
    {
        if (_before is not null) WriteObject(_before);
    }
}
