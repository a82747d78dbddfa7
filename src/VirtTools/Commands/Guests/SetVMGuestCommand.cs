using System.Management.Automation;
using VirtTools.Guests;

namespace VirtTools.Commands;

/// <summary>
/// Changes a guest's memory, vCPUs, autostart, description and name: the running guest and its
/// definition unless -Live or -Persistent narrows it; every refusal before any change.
/// </summary>
[Cmdlet(VerbsCommon.Set, "VMGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = "Both", HelpUri = VirtToolsCmdlet.HelpBase + "Set-VMGuest.md")]
[OutputType(typeof(VMGuest))]
public sealed class SetVMGuestCommand : PipedGuestCmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VMGuestNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>The memory the guest has (the balloon's target while it runs).</summary>
    [Parameter]
    public long MemoryBytes { get; set; }

    /// <summary>The ceiling for -MemoryBytes; on a running guest, from the next boot.</summary>
    [Parameter]
    public long MaximumMemoryBytes { get; set; }

    /// <summary>vCPUs (hot-plugged while it runs).</summary>
    [Parameter]
    public int ProcessorCount { get; set; }

    /// <summary>The ceiling for -ProcessorCount; on a running guest, from the next boot.</summary>
    [Parameter]
    public int MaximumProcessorCount { get; set; }

    /// <summary>Start the guest with the host (-AutoStart:$false to stop that).</summary>
    [Parameter]
    public SwitchParameter AutoStart { get; set; }

    /// <summary>The guest's description; an empty string removes it.</summary>
    [Parameter]
    [AllowEmptyString]
    public string? Description { get; set; }

    /// <summary>A new name for a shut-off guest.</summary>
    [Parameter]
    public string? NewName { get; set; }

    /// <summary>Only the running guest; its definition stays as it is.</summary>
    [Parameter(ParameterSetName = "Live", Mandatory = true)]
    public SwitchParameter Live { get; set; }

    /// <summary>Only the definition (the next boot); the running guest stays as it is.</summary>
    [Parameter(ParameterSetName = "Persistent", Mandatory = true)]
    public SwitchParameter Persistent { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private bool Bound(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

    private GuestSettings Settings() => new()
    {
        MemoryBytes = Bound(nameof(MemoryBytes)) ? MemoryBytes : null,
        MaximumMemoryBytes = Bound(nameof(MaximumMemoryBytes)) ? MaximumMemoryBytes : null,
        ProcessorCount = Bound(nameof(ProcessorCount)) ? ProcessorCount : null,
        MaximumProcessorCount = Bound(nameof(MaximumProcessorCount)) ? MaximumProcessorCount : null,
        AutoStart = Bound(nameof(AutoStart)) ? AutoStart.IsPresent : null,
        Description = Description,
        NewName = NewName,
    };

    protected override void ProcessRecord()
    {
        var c = Connection();
        var scope = Live ? GuestChangeScope.Live : Persistent ? GuestChangeScope.Persistent : GuestChangeScope.LiveAndPersistent;
        var settings = Settings();
        var configurator = new GuestConfigurator(c);
        ForEachGuest(c, Name, d =>
        {
            var plan = configurator.Plan(d, settings, scope);
            if (!ShouldProcess($"guest '{d.Name}' on {c.Uri}", plan.Describe())) return;
            foreach (var w in plan.Warnings) WriteWarning(w);
            plan.Apply();
            if (!PassThru) return;
            if (settings.NewName is null) { WriteObject(ToGuest(d, c)); return; }
            // A renamed guest's handle still answers to the old name.
            using var renamed = c.FindDomain(d.Uuid);
            if (renamed is not null) WriteObject(ToGuest(renamed, c));
        });
    }
}
