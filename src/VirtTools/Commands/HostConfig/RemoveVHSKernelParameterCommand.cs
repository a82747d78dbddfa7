using System.Management.Automation;

namespace VirtTools.Commands;

/// <summary>Removes a kernel parameter (every occurrence, or those with -Value) from the next boot's configuration.</summary>
[ChangesHost("writes the boot loader's kernel command line in /etc and /boot", VirtTools.Host.LinuxCapability.CAP_DAC_OVERRIDE)]
[Cmdlet(VerbsCommon.Remove, "VHSKernelParameter", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Remove-VHSKernelParameter.md")]
[OutputType(typeof(KernelParameterSetting))]
public sealed class RemoveVHSKernelParameterCommand : KernelParameterChangeCommand
{
    protected override string Action => "Remove";
}
