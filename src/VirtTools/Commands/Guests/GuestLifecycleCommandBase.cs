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
        ForEachGuest(c, Name, d =>
        {
            if (!ShouldProcess($"guest '{d.Name}' on {c.Uri}", Describe(d))) return;
            if (Act(d, c) == LifecycleOutcome.AlreadyInState)
                WriteWarning($"Guest '{d.Name}' is already {AskedState}; nothing changed.");
            if (PassThru) Emit(d, c);
        });
    }

    protected virtual void Emit(ILibvirtDomain d, ILibvirtConnection c) => WriteObject(ToGuest(d, c));
}
