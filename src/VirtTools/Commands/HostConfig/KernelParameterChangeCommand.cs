using System.Management.Automation;
using VirtTools.Capability;
using VirtTools.HostConfig;

namespace VirtTools.Commands;

/// <summary>
/// Set- and Remove-VHSKernelParameter: the edits of a pipeline are collected and applied as one change
/// of the boot loader file with one regeneration, after -WhatIf/-Confirm has shown the diff.
/// </summary>
public abstract class KernelParameterChangeCommand : HostConfigCmdlet
{
    /// <summary>Parameters whose change can leave the host unbootable or unreachable: they need -Force.</summary>
    private static readonly string[] Guarded = { "root", "rootflags", "rootfstype", "init", "rd.luks.uuid", "ip", "console" };

    private readonly List<KernelParameterConfig.Edit> _edits = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KernelParameterNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>Set: omitted for a flag such as "quiet". Remove: only occurrences with this value.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    public string? Value { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>"Set" or "Remove".</summary>
    protected abstract string Action { get; }

    protected override void ProcessRecord() => Add(new KernelParameterConfig.Edit(Name, Value, Remove: Action == "Remove"));

    protected void Add(KernelParameterConfig.Edit edit)
    {
        try
        {
            KernelParameterConfig.ValidateName(edit.Name);
            if (!edit.Remove) KernelParameterConfig.ValidateValue(edit.Name, edit.Value);
            if (!Force && Guarded.Any(g => KernelCommandLine.NameEquals(g, edit.Name)))
                throw new VirtToolsException("KernelParameterGuarded", FailureKind.InvalidOperation,
                    $"Changing {edit.Name} can leave the host unbootable or without its console; VirtTools does not do it without -Force. Nothing was written.",
                    edit.Name, "Check the value against the running /proc/cmdline and use -Force if you mean it.");
            _edits.Add(edit);
        }
        catch (VirtToolsException e) { WriteError(e, edit.Name); }
    }

    protected override void EndProcessing()
    {
        if (_edits.Count == 0) return;
        var config = new KernelParameterConfig(HostContext);
        Terminating(() =>
        {
            var set = config.Plan(_edits);
            var what = string.Join(", ", _edits.Select(e => e.Value is null ? e.Name : $"{e.Name}={e.Value}"));
            if (ApplyChanges(set, config.BootLoader.ConfigFile, $"{Action} kernel parameter {what}"))
                WriteWarning(config.BootLoader.RebootNote);
            if (PassThru)
            {
                var names = _edits.Select(e => e.Name).ToList();
                foreach (var p in config.Read(new List<string>()))
                    if (p.Source != KernelParameterSource.Running && names.Any(n => KernelCommandLine.NameEquals(n, p.Name)))
                        WriteObject(p);
            }
        });
    }
}

/// <summary>Sets a kernel parameter for the next boot through the boot loader this host uses.</summary>
[Cmdlet(VerbsCommon.Set, "VHSKernelParameter", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Set-VHSKernelParameter.md")]
[OutputType(typeof(KernelParameterSetting))]
public sealed class SetVHSKernelParameterCommand : KernelParameterChangeCommand
{
    protected override string Action => "Set";
}

/// <summary>Removes a kernel parameter (every occurrence, or those with -Value) from the next boot's configuration.</summary>
[Cmdlet(VerbsCommon.Remove, "VHSKernelParameter", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Remove-VHSKernelParameter.md")]
[OutputType(typeof(KernelParameterSetting))]
public sealed class RemoveVHSKernelParameterCommand : KernelParameterChangeCommand
{
    protected override string Action => "Remove";
}

/// <summary>Switches the IOMMU on for the next boot the way this CPU vendor needs it.</summary>
[Cmdlet(VerbsLifecycle.Enable, "VHSIommu", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Enable-VHSIommu.md")]
[OutputType(typeof(KernelParameterSetting))]
public sealed class EnableVHSIommuCommand : HostConfigCmdlet
{
    /// <summary>Also iommu=pt: host-owned devices get identity mappings (VFIO devices are unaffected).</summary>
    [Parameter]
    public SwitchParameter PassThrough { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        Terminating(() =>
        {
            var set = IommuEnabler.Plan(HostContext, PassThrough);
            var config = new KernelParameterConfig(HostContext);
            foreach (var n in set.Notes.Where(n => !set.HasChanges)) WriteVerbose(n);
            if (set.HasChanges && ApplyChanges(set, config.BootLoader.ConfigFile, "Enable the IOMMU"))
                WriteWarning(config.BootLoader.RebootNote);
            else if (!set.HasChanges)
                foreach (var w in set.Warnings) WriteWarning(w);
            if (PassThru)
                foreach (var p in config.Read(new List<string>()))
                    if (p.Source != KernelParameterSource.Running && CapabilityReader.IommuParameterNames.Any(n => KernelCommandLine.NameEquals(n, p.Name)))
                        WriteObject(p);
        });
    }
}

/// <summary>Completes the names of the configured and running kernel parameters, plus the IOMMU ones.</summary>
public sealed class KernelParameterNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
    {
        var names = new SortedSet<string>(CapabilityReader.IommuParameterNames, StringComparer.Ordinal);
        try
        {
            foreach (var p in new KernelParameterConfig(Host.HostContext.Current).Read(new List<string>())) names.Add(p.Name);
        }
        catch (VirtToolsException) { }
        catch (Host.HostIOException) { }
        return names.Where(n => n.StartsWith(wordToComplete ?? "", StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}
