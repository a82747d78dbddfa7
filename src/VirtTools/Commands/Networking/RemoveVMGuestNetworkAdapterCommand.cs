using System.Management.Automation;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>Takes NICs away from a guest (virsh detach-interface): the running guest and its definition unless -Live or -Persistent narrows it.</summary>
[Cmdlet(VerbsCommon.Remove, "VMGuestNetworkAdapter", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = ByName, HelpUri = VirtToolsCmdlet.HelpBase + "Remove-VMGuestNetworkAdapter.md")]
[OutputType(typeof(VMGuest))]
public sealed class RemoveVMGuestNetworkAdapterCommand : NicTargetCmdletBase
{
    protected override void Act(ILibvirtConnection c, ILibvirtDomain d, string mac)
    {
        if (Run(c, Changer(c).PlanRemove(d, mac, Scope)) && PassThru) WriteObject(ToGuest(d, c));
    }
}
