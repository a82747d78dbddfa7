using System.Management.Automation;
using VirtTools.Pci;
using VirtTools.Vfio;

namespace VirtTools.Commands;

/// <summary>
/// Returns PCI functions from vfio-pci to a host driver. ConfirmImpact is High: a guest that still
/// uses the device loses it (the unbind waits until the guest lets go).
/// </summary>
[ChangesHost("gives PCI devices back to their drivers in /sys/bus/pci and loads those drivers", VirtTools.Host.LinuxCapability.CAP_DAC_OVERRIDE, VirtTools.Host.LinuxCapability.CAP_SYS_MODULE)]
[Cmdlet(VerbsLifecycle.Disable, "VfioDevice", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, HelpUri = VirtToolsCmdlet.HelpBase + "Disable-VfioDevice.md")]
[OutputType(typeof(PciDevice))]
public sealed class DisableVfioDeviceCommand : VfioDeviceCommandBase
{
    /// <summary>The host driver to bind; without it, whatever loaded driver matches the device binds.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Driver { get; set; }

    protected override string Operation => "Disable";

    protected override VfioOptions Options() => new() { Driver = Driver, Force = Force, Persist = Persist };

    protected override VfioPlan Plan(VfioBinder binder, PciAddress address) => binder.PlanDisable(address);
}
