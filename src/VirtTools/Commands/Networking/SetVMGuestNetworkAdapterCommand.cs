using System.Management.Automation;
using VirtTools.Libvirt;
using VirtTools.Networking;

namespace VirtTools.Commands;

/// <summary>Sets a NIC's link Up or Down (virDomainUpdateDeviceFlags), as pulling and plugging its cable.</summary>
[Cmdlet(VerbsCommon.Set, "VMGuestNetworkAdapter", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = ByName, HelpUri = VirtToolsCmdlet.HelpBase + "Set-VMGuestNetworkAdapter.md")]
[OutputType(typeof(VMGuestNetworkAdapter))]
public sealed class SetVMGuestNetworkAdapterCommand : NicTargetCmdletBase
{
    [Parameter(Mandatory = true)]
    [ValidateSet("Up", "Down", IgnoreCase = true)]
    public string LinkState { get; set; } = "";

    protected override void Act(ILibvirtConnection c, ILibvirtDomain d, string mac)
    {
        if (Run(c, Changer(c).PlanLinkState(d, mac, LinkState, Scope)) && PassThru)
            WriteAdapter(d, c, GuestNicChanger.ParseMac(mac, mac));
    }
}
