using System.Management.Automation;

namespace VirtTools.Commands;

/// <summary>Sets a kernel parameter for the next boot through the boot loader this host uses.</summary>
[ChangesHost("writes the boot loader's kernel command line in /etc and /boot", VirtTools.Host.LinuxCapability.CAP_DAC_OVERRIDE)]
[Cmdlet(VerbsCommon.Set, "VHSKernelParameter", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Set-VHSKernelParameter.md")]
[OutputType(typeof(KernelParameterSetting))]
public sealed class SetVHSKernelParameterCommand : KernelParameterChangeCommand
{
    protected override string Action => "Set";
}
