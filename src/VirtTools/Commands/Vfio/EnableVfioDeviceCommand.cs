using System.Management.Automation;
using VirtTools.Pci;
using VirtTools.Vfio;

namespace VirtTools.Commands;

/// <summary>Binds PCI functions to vfio-pci (or a variant, or pciback) by address, safely and reversibly.</summary>
[ChangesHost("binds PCI devices to vfio-pci in /sys/bus/pci and loads the vfio modules", VirtTools.Host.LinuxCapability.CAP_DAC_OVERRIDE, VirtTools.Host.LinuxCapability.CAP_SYS_MODULE)]
[Cmdlet(VerbsLifecycle.Enable, "VfioDevice", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, HelpUri = VirtToolsCmdlet.HelpBase + "Enable-VfioDevice.md")]
[OutputType(typeof(PciDevice))]
public sealed class EnableVfioDeviceCommand : VfioDeviceCommandBase
{
    /// <summary>The pass-through driver: vfio-pci, a vendor variant (mlx5_vfio_pci), or pciback on Xen.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PassthroughDriverCompleter))]
    public string Driver { get; set; } = VfioDrivers.Default;

    [Parameter]
    public SwitchParameter IncludeIommuGroup { get; set; }

    protected override string Operation => "Enable";

    protected override VfioOptions Options() => new()
    {
        Driver = Driver,
        IncludeIommuGroup = IncludeIommuGroup,
        Force = Force,
        Persist = Persist,
        SshConnection = Environment.GetEnvironmentVariable("SSH_CONNECTION"),
    };

    protected override VfioPlan Plan(VfioBinder binder, PciAddress address) => binder.PlanEnable(address);
}
