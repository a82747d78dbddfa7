using System.Management.Automation;
using VirtTools.Capability;
using VirtTools.Requirements;

namespace VirtTools.Commands;

/// <summary>Checks the host against what KVM or a Xen Dom0 needs, including device pass-through.</summary>
[Cmdlet(VerbsDiagnostic.Test, "VHSRequirement", HelpUri = VirtToolsCmdlet.HelpBase + "Test-VHSRequirement.md")]
[OutputType(typeof(RequirementCheck))]
[OutputType(typeof(bool))]
public sealed class TestVHSRequirementCommand : VirtToolsCmdlet
{
    /// <summary>The check set; default Xen on a Xen Dom0, else KVM.</summary>
    [Parameter]
    public HypervisorKind? Hypervisor { get; set; }

    /// <summary>Runs only the checks whose names match.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(RequirementNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Returns only $true when no check failed, else $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    private RequirementEvaluator? _evaluator;
    private HypervisorKind _set;
    private bool _failed;
    private bool _nothingToCheck;
    private readonly HashSet<string> _done = new(StringComparer.OrdinalIgnoreCase);

    protected override void BeginProcessing()
    {
        try
        {
            if (CapabilityReader.IsEmptyRoot(HostContext.Files))
            {
                // Every check would Skip, and Skip is not Fail: without this, -Quiet would answer True.
                _nothingToCheck = true;
                if (!RootIsBare) WriteWarning(CapabilityReader.EmptyRootWarning(HostContext.Files, "nothing could be checked, so -Quiet answers False"));
            }
            var facts = CapabilityReader.For(HostContext).ReadFacts();
            _evaluator = new RequirementEvaluator(facts, HostContext.Processes);
            _set = Hypervisor ?? _evaluator.DefaultSet;
            WriteVerbose($"Check set: {_set} on root {facts.Capability.Root}.");
        }
        catch (VirtToolsException e)
        {
            ThrowTerminatingError(e);
        }
    }

    protected override void ProcessRecord()
    {
        var patterns = Name?.Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToArray();
        if (patterns is not null)
        {
            var known = RequirementEvaluator.CheckNames(_set);
            foreach (var (n, p) in Name!.Zip(patterns))
                if (!known.Any(p.IsMatch) && !WildcardPattern.ContainsWildcardCharacters(n))
                    WriteError(new VirtToolsException("RequirementCheckNotFound", FailureKind.ObjectNotFound,
                        $"There is no {_set} check named '{n}'.", n,
                        $"Valid names: {string.Join(", ", known)}."));
        }
        // A name piped twice (or matched by two patterns) runs once per invocation.
        foreach (var check in _evaluator!.Evaluate(_set, n => !_done.Contains(n) && (patterns is null || patterns.Any(p => p.IsMatch(n)))))
        {
            _done.Add(check.Name);
            if (check.Status == RequirementStatus.Fail) _failed = true;
            if (!Quiet) WriteObject(check);
        }
    }

    protected override void EndProcessing()
    {
        if (Quiet) WriteObject(!_failed && !_nothingToCheck);
    }
}
