using System.Management.Automation;
using VirtTools.Capability;
using VirtTools.HostConfig;

namespace VirtTools.Commands;

/// <summary>Switches the IOMMU on for the next boot the way this CPU vendor needs it.</summary>
[ChangesHost("writes the boot loader's kernel command line in /etc and /boot", VirtTools.Host.LinuxCapability.CAP_DAC_OVERRIDE)]
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
            using var held = HoldBootConfiguration();
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
