using System.Management.Automation;
using VirtTools.Monitoring;

namespace VirtTools.Commands;

/// <summary>A host's CPUs, memory and huge pages, and what its running guests have committed of them.</summary>
[Cmdlet(VerbsCommon.Get, "VHSResource", HelpUri = VirtToolsCmdlet.HelpBase + "Get-VHSResource.md")]
[OutputType(typeof(VHSResource))]
public sealed class GetVHSResourceCommand : GuestCmdletBase
{
    protected override void ProcessRecord()
    {
        var c = Connection();
        Try(c.Uri, () => WriteObject(HostResourceReader.Read(c, HostContext.Files)));
    }
}
