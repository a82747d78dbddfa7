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
            using var held = HoldBootConfiguration();
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
