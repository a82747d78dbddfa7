using System.Management.Automation;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>
/// Keeps a libvirt connection open for the session: every later command naming that URI (or defaulting to
/// it) leases it instead of connecting anew. Changes nothing on any host (only this process's connections),
/// hence no ShouldProcess.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "VHSLibvirt", HelpUri = HelpBase + "Connect-VHSLibvirt.md")]
[OutputType(typeof(LibvirtConnectionInfo))]
public sealed class ConnectVHSLibvirtCommand : VirtToolsCmdlet
{
    /// <summary>libvirt URIs; default LIBVIRT_DEFAULT_URI, else xen:///system on a Xen Dom0, else qemu:///system.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Uri", "Connect")]
    [ValidateNotNullOrEmpty]
    public string[]? ConnectionUri { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var uri in ConnectionUri is { Length: > 0 } given ? given : new[] { LibvirtConnector.DefaultUri(HostContext.Files) })
        {
            try
            {
                var kept = KeptLibvirtConnections.Connect(uri, out var added);
                if (!added) WriteVerbose($"{uri} is kept open already: the same connection is used.");
                WriteObject(kept);
            }
            // Not terminating: the next URI may still connect.
            catch (LibvirtException e) { WriteError(e, uri); }
        }
    }
}
