using System.Management.Automation;
using VirtTools.Host;
using VirtTools.HostConfig;

namespace VirtTools.Commands;

/// <summary>Sets module parameters now (reloading the module) or, with -Persist, in modprobe.d for the next load.</summary>
[ChangesHost("writes module options in /etc/modprobe.d and the initramfs in /boot", VirtTools.Host.LinuxCapability.CAP_DAC_OVERRIDE)]
[Cmdlet(VerbsCommon.Set, "VHSKernelModuleOption", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, HelpUri = VirtToolsCmdlet.HelpBase + "Set-VHSKernelModuleOption.md")]
[OutputType(typeof(KernelModuleOptionState))]
public sealed class SetVHSKernelModuleOptionCommand : HostConfigCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KernelModuleNameCompleter))]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ModuleOptionTransformation]
    public string[] Option { get; set; } = Array.Empty<string>();

    [Parameter]
    public SwitchParameter Persist { get; set; }

    protected override void ProcessRecord()
    {
        try { Set(); }
        catch (VirtToolsException e) { WriteError(e, Name); }
        catch (HostIOException e) { WriteError(ToErrorRecord(e, "HostReadFailed", FailureKind.ReadError, Name)); }
    }

    private void Set()
    {
        KernelModuleChanges.ValidateName(Name);
        var options = Option.Select(KernelModuleChanges.ParseOption).ToList();
        var changes = new KernelModuleChanges(HostContext);
        RefuseChangeOnBareRoot(Name);
        // Held from reading the options to re-reading them at the end: a second command waits, then plans from
        // what this one wrote, instead of failing with ConfigChangedMeanwhile.
        using var held = HoldBootConfiguration();
        changes.RequireInstalled(Name);
        var state = changes.Reader.StateOf(Name);
        var module = Name.Replace('-', '_');
        if (state == KernelModuleState.BuiltIn)
            throw new VirtToolsException("KernelModuleBuiltIn", FailureKind.InvalidOperation,
                $"{module} is built into the kernel: modprobe.d options and reloads do not reach it. Nothing was changed.", module,
                $"Set it on the kernel command line: Set-VHSKernelParameter -Name {module}.{options[0].Key} -Value {options[0].Value}.");
        var what = KernelModuleChanges.Describe(options);
        if (Persist)
            ApplyChanges(changes.PlanPersistOptions(module, options), module, $"Set {module} {what} in {ModuleConfigFiles.OurModprobe}");
        else if (state == KernelModuleState.Loaded)
        {
            if (options.All(o => KernelModuleChanges.SameValue(changes.Running(module, o.Key), o.Value)))
                WriteVerbose($"{module} already runs with {what}.");
            else if (ShouldProcess($"modprobe -r {module}; modprobe {module} {what}", $"Reload {module} with {what}? Guests using it must be stopped.", "Set-VHSKernelModuleOption"))
            {
                WriteProgress(new ProgressRecord(1, "Set-VHSKernelModuleOption", $"reloading {module}"));
                try { changes.Reload(module, options); }
                finally { WriteProgress(new ProgressRecord(1, "Set-VHSKernelModuleOption", "done") { RecordType = ProgressRecordType.Completed }); }
            }
        }
        else if (ShouldProcess($"modprobe {module} {what}", $"Load {module} with {what}?", "Set-VHSKernelModuleOption"))
            changes.LoadWith(module, options);

        var after = new KernelModuleChanges(HostContext);
        var configured = after.Reader.Config.Options(module);
        foreach (var (key, value) in options)
        {
            var running = after.Running(module, key);
            var conf = configured.TryGetValue(key.Replace('-', '_'), out var c) ? c.Value : null;
            var reload = running is not null && !KernelModuleChanges.SameValue(running, value);
            var result = new KernelModuleOptionState
            {
                Module = module, Option = key, Value = value, Running = running, Configured = conf, ReloadRequired = reload,
                Detail = reload
                    ? $"{module} runs with {key}={running}; {value} applies when it is reloaded with no guest running, or at the next boot."
                    : running is null ? $"{module} is not loaded; the option applies when it loads." : null,
            };
            if (reload && !WhatIfMode) WriteWarning(result.Detail!);
            WriteObject(result);
        }
    }

    private bool WhatIfMode => MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w) && w is SwitchParameter { IsPresent: true };
}
