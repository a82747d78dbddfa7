using System.Management.Automation;
using VirtTools.HostConfig;

namespace VirtTools.Commands;

/// <summary>The kernel parameters of the running kernel and of the next boot, side by side.</summary>
[Cmdlet(VerbsCommon.Get, "VHSKernelParameter", HelpUri = VirtToolsCmdlet.HelpBase + "Get-VHSKernelParameter.md")]
[OutputType(typeof(KernelParameterSetting))]
public sealed class GetVHSKernelParameterCommand : HostConfigCmdlet
{
    private readonly List<string> _names = new();

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter]
    public KernelParameterSource[]? Source { get; set; }

    protected override void ProcessRecord()
    {
        if (Name is not null) _names.AddRange(Name);
    }

    protected override void EndProcessing()
    {
        var notes = new List<string>();
        IReadOnlyList<KernelParameterSetting> all = Array.Empty<KernelParameterSetting>();
        Terminating(() => all = new KernelParameterConfig(HostContext).Read(notes));
        foreach (var n in notes) WriteWarning(n);
        var patterns = _names.Select(n => new WildcardPattern(n.Replace('-', '_'), WildcardOptions.IgnoreCase)).ToList();
        var matched = new HashSet<int>();
        foreach (var p in all)
        {
            if (Source is { Length: > 0 } && !IncludesSource(p.Source)) continue;
            var hit = patterns.Count == 0;
            for (var i = 0; i < patterns.Count; i++)
                if (patterns[i].IsMatch(p.Name.Replace('-', '_'))) { hit = true; matched.Add(i); }
            if (hit) WriteObject(p);
        }
        for (var i = 0; i < _names.Count; i++)
            if (!matched.Contains(i) && !WildcardPattern.ContainsWildcardCharacters(_names[i]))
                WriteError(new VirtToolsException("KernelParameterNotFound", FailureKind.ObjectNotFound,
                    $"The kernel parameter '{_names[i]}' is neither in /proc/cmdline nor in the boot loader configuration.", _names[i],
                    $"Set it for the next boot with Set-VHSKernelParameter -Name {_names[i]}."));
    }

    // Both counts as Running and as Configured: "-Source Configured" means "in the next boot".
    private bool IncludesSource(KernelParameterSource s) =>
        Source!.Contains(s) || s == KernelParameterSource.Both && Source!.Any(x => x != KernelParameterSource.Both);
}
