using System.Management.Automation;
using VirtTools.Networking;

namespace VirtTools.Commands;

/// <summary>Stops libvirt networks (virsh net-destroy); refuses one that running guests use unless -Force.</summary>
[Cmdlet(VerbsLifecycle.Stop, "VMNetwork", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Stop-VMNetwork.md")]
[OutputType(typeof(VMNetwork))]
public sealed class StopVMNetworkCommand : NetworkCmdletBase
{
    /// <summary>Stop it even though running guests have NICs on it (they lose their link).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => ForEachNetwork((n, c) =>
    {
        if (!ShouldProcess($"libvirt network '{n.Name}' on {c.Uri}", "Stop")) return;
        Service(c).Stop(n, Force);
        if (PassThru) WriteObject(NetworkReader.Read(n, c.Uri));
    });
}
