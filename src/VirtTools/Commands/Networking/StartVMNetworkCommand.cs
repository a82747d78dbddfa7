using System.Management.Automation;
using VirtTools.Networking;

namespace VirtTools.Commands;

/// <summary>Starts libvirt networks (virsh net-start); an active one is left as it is.</summary>
[Cmdlet(VerbsLifecycle.Start, "VMNetwork", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = VirtToolsCmdlet.HelpBase + "Start-VMNetwork.md")]
[OutputType(typeof(VMNetwork))]
public sealed class StartVMNetworkCommand : NetworkCmdletBase
{
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => ForEachNetwork((n, c) =>
    {
        if (!ShouldProcess($"libvirt network '{n.Name}' on {c.Uri}", "Start")) return;
        VirtualNetworkService.Start(n);
        if (PassThru) WriteObject(NetworkReader.Read(n, c.Uri));
    });
}
