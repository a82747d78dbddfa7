using System.Management.Automation;
using VirtTools.Capability;

namespace VirtTools.Commands;

/// <summary>Reports what the host (or a captured root) can do for KVM and Xen virtualization.</summary>
[Cmdlet(VerbsCommon.Get, "VHSCapability", HelpUri = VirtToolsCmdlet.HelpBase + "Get-VHSCapability.md")]
[OutputType(typeof(HostCapability))]
public sealed class GetVHSCapabilityCommand : VirtToolsCmdlet
{
    protected override void EndProcessing()
    {
        HostCapability cap;
        try
        {
            cap = CapabilityReader.For(HostContext).Read();
        }
        catch (VirtToolsException e)
        {
            ThrowTerminatingError(e);
            return;
        }
        foreach (var note in cap.Notes) WriteVerbose(note);
        foreach (var problem in cap.ReadFailures) WriteWarning(problem);
        WriteObject(cap);
    }
}
