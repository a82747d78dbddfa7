using System.Diagnostics;
using System.Management.Automation;
using VirtTools.Libvirt;
using VirtTools.Monitoring;

namespace VirtTools.Commands;

/// <summary>Waits until guests reach a state, woken by libvirt's lifecycle events; writes each guest when it is there.</summary>
[Cmdlet(VerbsLifecycle.Wait, "VMGuest", DefaultParameterSetName = "State", HelpUri = VirtToolsCmdlet.HelpBase + "Wait-VMGuest.md")]
[OutputType(typeof(VMGuest), ParameterSetName = ["State"])]
[OutputType(typeof(VMGuestNetworkAdapter), ParameterSetName = ["For"])]
public sealed partial class WaitVMGuestCommand : GuestCmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VMGuestNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>The state to wait for.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "State")]
    [ValidateSet("Running", "ShutOff", "Paused", IgnoreCase = true)]
    public string State { get; set; } = "";

    /// <summary>Seconds to wait for all the guests together; without it, until they are there (or Ctrl+C).</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int TimeoutSec { get; set; }

    private readonly CancellationTokenSource _stop = new();
    private long _started;

    protected override void BeginProcessing()
    {
        _started = Stopwatch.GetTimestamp();
        base.BeginProcessing();
    }

    protected override void ProcessRecord()
    {
        var c = Connection();
        if (ParameterSetName == "For") { WaitForAddresses(c); return; }
        var target = Enum.Parse<DomainState>(State, ignoreCase: true);
        ForEachGuest(c, Name, d =>
        {
            // One deadline for the whole command: guests are waited for in turn, and time spent on one counts for all.
            try { GuestStateWaiter.Wait(c, d, target, Timeout, _stop.Token, _started); }
            catch (OperationCanceledException) { return; }
            WriteObject(ToGuest(d, c));
        });
    }

    private TimeSpan? Timeout => MyInvocation.BoundParameters.ContainsKey(nameof(TimeoutSec)) ? TimeSpan.FromSeconds(TimeoutSec) : null;

    protected override void StopProcessing()
    {
        _stop.Cancel();
        base.StopProcessing();
    }
}
