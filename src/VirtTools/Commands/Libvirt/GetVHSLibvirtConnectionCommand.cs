using System.Management.Automation;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>Lists the libvirt connections kept open for the session, each checked for life.</summary>
[Cmdlet(VerbsCommon.Get, "VHSLibvirtConnection", HelpUri = HelpBase + "Get-VHSLibvirtConnection.md")]
[OutputType(typeof(LibvirtConnectionInfo))]
public sealed class GetVHSLibvirtConnectionCommand : KeptUriCmdletBase
{
    protected override void ProcessRecord()
    {
        var wanted = Matching().ToHashSet(StringComparer.Ordinal);
        if (wanted.Count == 0) return;
        foreach (var k in KeptLibvirtConnections.List())
            if (wanted.Contains(k.Uri)) WriteObject(k);
    }
}
