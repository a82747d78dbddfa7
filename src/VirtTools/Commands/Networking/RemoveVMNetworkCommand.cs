using System.Management.Automation;

namespace VirtTools.Commands;

/// <summary>Stops and undefines libvirt networks; refuses one that running guests use unless -Force.</summary>
[Cmdlet(VerbsCommon.Remove, "VMNetwork", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, HelpUri = VirtToolsCmdlet.HelpBase + "Remove-VMNetwork.md")]
[OutputType(typeof(VMNetwork))]
public sealed class RemoveVMNetworkCommand : NetworkCmdletBase
{
    /// <summary>Remove an active network even though running guests have NICs on it (they lose their link).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Return the network as it was before removal.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord() => ForEachNetwork((n, c) =>
    {
        if (!ShouldProcess($"libvirt network '{n.Name}' on {c.Uri}", (n.IsActive ? "Stop and remove" : "Remove") + " the network")) return;
        var before = PassThru ? Networking.NetworkReader.Read(n, c.Uri) : null;
        Service(c).Remove(n, Force);
        if (before is not null) WriteObject(before);
    });
}
