using System.Management.Automation;
using VirtTools.Libvirt;
using VirtTools.Monitoring;

namespace VirtTools.Commands;

/// <summary>
/// CPU, memory, disk and network figures of running guests over sample intervals, every guest of a host
/// read with one bulk libvirt call per sample; one object per guest per interval, as Get-Counter streams.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "VMGuest", DefaultParameterSetName = SamplesSet, HelpUri = VirtToolsCmdlet.HelpBase + "Measure-VMGuest.md")]
[OutputType(typeof(VMGuestMeasurement))]
public sealed class MeasureVMGuestCommand : GuestCmdletBase
{
    private const string SamplesSet = "Samples", ContinuousSet = "Continuous";

    /// <summary>Guests to measure (wildcards); every running guest when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VMGuestNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Seconds between samples.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int SampleInterval { get; set; } = 1;

    /// <summary>Intervals to measure (one object per guest each).</summary>
    [Parameter(ParameterSetName = SamplesSet)]
    [ValidateRange(1, int.MaxValue)]
    public int MaxSamples { get; set; } = 1;

    /// <summary>Measure until stopped (Ctrl+C).</summary>
    [Parameter(ParameterSetName = ContinuousSet, Mandatory = true)]
    public SwitchParameter Continuous { get; set; }

    // Per URI: null for "every running guest", else the chosen guests (by UUID, so a guest named twice is measured once).
    private readonly Dictionary<string, Dictionary<Guid, ILibvirtDomain>?> _targets = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();

    /// <summary>A piped kept connection (Get-VHSLibvirtConnection | ...): its Uri is -ConnectionUri; it names nothing (NamesBesidesPipedConnection).</summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public LibvirtConnectionInfo? KeptConnection { get; set; }

    protected override void ProcessRecord()
    {
        Name = NamesBesidesPipedConnection(Name, KeptConnection);
        var c = Connection();
        if (Name is not { Length: > 0 })
        {
            _targets[c.Uri] = null;
            return;
        }
        if (_targets.TryGetValue(c.Uri, out var chosen) && chosen is null) return; // every guest already
        chosen ??= _targets[c.Uri] = new Dictionary<Guid, ILibvirtDomain>();
        ForEachGuest(c, Name, d =>
        {
            if (chosen.ContainsKey(d.Uuid)) return;
            if (!d.IsActive)
            {
                WriteWarning($"Guest '{d.Name}' is not running: it has nothing to measure.");
                return;
            }
            // ForEachGuest disposes its guests: keep one of our own for the samples.
            chosen[d.Uuid] = c.FindDomain(d.Uuid) ?? throw new VirtToolsException("GuestNotFound", FailureKind.ObjectNotFound,
                $"Guest '{d.Name}' was removed from {c.Uri} meanwhile.", d.Name);
        });
    }

    protected override void EndProcessing()
    {
        try
        {
            var monitors = _targets.Where(t => t.Value is null || t.Value.Count > 0)
                .Select(t => new GuestMonitor(Connection(t.Key), t.Value?.Values.ToList())).ToList();
            if (monitors.Count == 0) return;
            var samples = Continuous ? (int?)null : MaxSamples;
            foreach (var m in GuestMonitor.Run(monitors, TimeSpan.FromSeconds(SampleInterval), samples, _stop.Token))
                WriteObject(m);
        }
        catch (LibvirtException e) { ThrowTerminatingError(e, CurrentUri); }
        finally
        {
            foreach (var d in _targets.Values.Where(v => v is not null).SelectMany(v => v!.Values)) d.Dispose();
            _targets.Clear();
            base.EndProcessing();
        }
    }

    protected override void StopProcessing()
    {
        _stop.Cancel();
        base.StopProcessing();
    }
}
