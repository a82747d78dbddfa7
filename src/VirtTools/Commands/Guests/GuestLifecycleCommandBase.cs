using System.Management.Automation;
using VirtTools.Guests;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>Start/Stop/Restart/Suspend/Resume/Remove-VMGuest: names or piped guests, ShouldProcess, -PassThru, "nothing changed".</summary>
public abstract class GuestLifecycleCommandBase : PipedGuestCmdletBase
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

    protected virtual string Describe(ILibvirtDomain d, ILibvirtConnection c) => Action;

    /// <summary>Throws when the guest cannot have this done to it, before ShouldProcess asks (so no one says Yes to a refusal).</summary>
    protected virtual void Refuse(ILibvirtDomain d) { }

    protected override void ProcessRecord()
    {
        var c = Connection();
        ForEachGuest(c, Name, d =>
        {
            Refuse(d);
            if (!ShouldProcess($"guest '{d.Name}' on {c.Uri}", Describe(d, c))) return;
            if (Act(d, c) == LifecycleOutcome.AlreadyInState)
                WriteWarning($"Guest '{d.Name}' is already {AskedState}; nothing changed.");
            if (PassThru) Emit(d, c);
        });
    }

    protected virtual void Emit(ILibvirtDomain d, ILibvirtConnection c) => WriteObject(ToGuest(d, c));

    /// <summary>Cancelled by Ctrl+C, for the waits of Stop- and Restart-VMGuest.</summary>
    protected CancellationToken Cancellation => _stopping.Token;
    private readonly CancellationTokenSource _stopping = new();

    protected override void StopProcessing()
    {
        _stopping.Cancel();
        base.StopProcessing();
    }

    /// <summary>Runs a bounded wait for guest <paramref name="name"/> with a progress bar over <paramref name="timeoutSec"/>, completed at the end.</summary>
    protected T WithWaitProgress<T>(string name, string activity, string status, int timeoutSec, Func<Action<TimeSpan>, T> run)
    {
        var progress = new ProgressRecord(Math.Abs(name.GetHashCode() % 10000) + 1, activity, status);
        var sawProgress = false;
        try
        {
            return run(elapsed =>
            {
                sawProgress = true;
                progress.PercentComplete = timeoutSec == 0 ? 100 : (int)Math.Min(99, elapsed.TotalSeconds * 100 / timeoutSec);
                progress.SecondsRemaining = (int)Math.Max(0, timeoutSec - elapsed.TotalSeconds);
                WriteProgress(progress);
            });
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
}
