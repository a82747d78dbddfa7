using System.Management.Automation;
using VirtTools.Host;
using VirtTools.HostConfig;

namespace VirtTools.Commands;

/// <summary>Loads kernel modules with modprobe (dependencies and softdeps included), and -Persist loads them at boot.</summary>
[ChangesHost("loads kernel modules (and writes /etc/modules-load.d for -Persist)", VirtTools.Host.LinuxCapability.CAP_SYS_MODULE, VirtTools.Host.LinuxCapability.CAP_DAC_OVERRIDE)]
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
        RefuseChangeOnBareRoot(name);
        // Held from planning to the end: a second command adding another module waits, then adds it to the
        // file this one wrote, instead of failing with ConfigChangedMeanwhile.
        using var held = HoldBootConfiguration();
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
