using System.Management.Automation;
using VirtTools.Host;
using VirtTools.HostConfig;

namespace VirtTools.Commands;

/// <summary>Kernel modules: loaded, built in or installed, their live parameters and their configuration.</summary>
[Cmdlet(VerbsCommon.Get, "VHSKernelModule", HelpUri = VirtToolsCmdlet.HelpBase + "Get-VHSKernelModule.md")]
[OutputType(typeof(KernelModuleInfo))]
public sealed class GetVHSKernelModuleCommand : HostConfigCmdlet
{
    private readonly List<string> _names = new();

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KernelModuleNameCompleter))]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        if (Name is not null) _names.AddRange(Name);
    }

    protected override void EndProcessing()
    {
        KernelModuleReader? reader = null;
        Terminating(() => reader = new KernelModuleReader(HostContext.Files));
        if (_names.Count == 0)
        {
            foreach (var n in reader!.DefaultNames()) WriteObject(reader.Read(n));
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in _names)
        {
            var name = raw.Replace('-', '_');
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                foreach (var n in reader!.AllNames().Where(n => pattern.IsMatch(n)))
                    if (seen.Add(n)) WriteObject(reader.Read(n));
                continue;
            }
            var info = reader!.Read(name);
            if (info.State == KernelModuleState.NotFound && info.ConfigurationFiles.Length == 0)
            {
                WriteError(new VirtToolsException("KernelModuleNotFound", FailureKind.ObjectNotFound,
                    $"The module '{raw}' is neither loaded, built in, installed for kernel {reader.Release} nor configured.", raw,
                    "Check the name with modinfo."));
                continue;
            }
            if (seen.Add(info.Name)) WriteObject(info);
        }
    }
}

/// <summary>Loads kernel modules with modprobe (dependencies and softdeps included), and -Persist loads them at boot.</summary>
[Cmdlet(VerbsData.Import, "VHSKernelModule", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Import-VHSKernelModule.md")]
[OutputType(typeof(KernelModuleInfo))]
public sealed class ImportVHSKernelModuleCommand : HostConfigCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KernelModuleNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    [Parameter]
    public SwitchParameter Persist { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var name in Name)
        {
            try { Import(name); }
            catch (VirtToolsException e) { WriteError(e, name); }
            catch (HostIOException e) { WriteError(ToErrorRecord(e, "ModuleLoadFailed", e.Errno == Errno.ENOENT ? FailureKind.NotInstalled : FailureKind.WriteError, name)); }
        }
    }

    private void Import(string name)
    {
        KernelModuleChanges.ValidateName(name);
        var changes = new KernelModuleChanges(HostContext);
        changes.RequireInstalled(name);
        var state = changes.Reader.StateOf(name);
        if (state is KernelModuleState.Loaded or KernelModuleState.BuiltIn)
            WriteVerbose($"{name} is already {(state == KernelModuleState.Loaded ? "loaded" : "built into the kernel")}.");
        else if (ShouldProcess($"modprobe {name}", $"Load kernel module {name}?", "Import-VHSKernelModule"))
            HostContext.Modules.Load(name);
        if (Persist)
        {
            if (state == KernelModuleState.BuiltIn)
                WriteVerbose($"{name} is built in: it is there at every boot without modules-load.d.");
            else
                ApplyChanges(changes.PlanPersistLoad(name), name, $"Load {name} at boot");
        }
        if (PassThru) WriteObject(new KernelModuleReader(HostContext.Files).Read(name));
    }
}

/// <summary>Sets module parameters now (reloading the module) or, with -Persist, in modprobe.d for the next load.</summary>
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

/// <summary>Completes loaded and installed module names.</summary>
public sealed class KernelModuleNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
    {
        IEnumerable<string> names;
        try { names = new KernelModuleReader(Host.HostContext.Current.Files).AllNames(); }
        catch (Host.HostIOException) { names = Array.Empty<string>(); }
        var w = (wordToComplete ?? "").Replace('-', '_');
        return names.Where(n => n.StartsWith(w, StringComparison.OrdinalIgnoreCase)).Take(200)
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}
