using System.Management.Automation;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>
/// Closes connections Connect-VHSLibvirt kept; later commands connect on their own again. A command running
/// on one keeps its connection until it ends. Changes nothing on any host, hence no ShouldProcess.
/// </summary>
[Cmdlet(VerbsCommunications.Disconnect, "VHSLibvirt", HelpUri = HelpBase + "Disconnect-VHSLibvirt.md")]
[OutputType(typeof(LibvirtConnectionInfo))]
public sealed class DisconnectVHSLibvirtCommand : KeptUriCmdletBase
{
    /// <summary>Writes what was disconnected.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var uri in Matching().ToList())
            if (KeptLibvirtConnections.Disconnect(uri) is { } gone && PassThru) WriteObject(gone);
    }
}
