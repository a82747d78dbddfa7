using System.Management.Automation;
using VirtTools.Libvirt;
using VirtTools.Networking;

namespace VirtTools.Commands;

/// <summary>Adds a NIC on a libvirt network or host bridge to guests: the running guest and its definition unless -Live or -Persistent narrows it.</summary>
[Cmdlet(VerbsCommon.Add, "VMGuestNetworkAdapter", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = NetworkSet, HelpUri = VirtToolsCmdlet.HelpBase + "Add-VMGuestNetworkAdapter.md")]
[OutputType(typeof(VMGuestNetworkAdapter))]
public sealed class AddVMGuestNetworkAdapterCommand : NicChangeCmdletBase
{
    private const string NetworkSet = "Network", BridgeSet = "Bridge";

    /// <summary>The guest; VMGuest objects bind by their Name.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VMGuestNameCompleter))]
    public string Name { get; set; } = "";

    /// <summary>A libvirt network (virsh net-list); active when the running guest gets the NIC.</summary>
    [Parameter(Mandatory = true, ParameterSetName = NetworkSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NetworkNameCompleter))]
    public string Network { get; set; } = "";

    /// <summary>A host bridge (br0).</summary>
    [Parameter(Mandatory = true, ParameterSetName = BridgeSet)]
    [ValidateNotNullOrEmpty]
    public string Bridge { get; set; } = "";

    /// <summary>The NIC's MAC; default: a free one in 52:54:00:xx:xx:xx.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MacAddress { get; set; }

    /// <summary>virtio (the default), e1000e, e1000, rtl8139; Xen: netfront.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NicModelCompleter))]
    public string? Model { get; set; }

    protected override void ProcessRecord()
    {
        var c = Connection();
        var request = new NicRequest
        {
            Network = ParameterSetName == NetworkSet ? Network : null,
            Bridge = ParameterSetName == BridgeSet ? Bridge : null,
            MacAddress = MacAddress,
            Model = Model,
        };
        ILibvirtDomain? d;
        try { d = FindGuest(c, Name); }
        catch (LibvirtException e) { WriteError(e, Name); return; }
        if (d is null) return;
        using (d)
            Try(Name, () =>
            {
                var plan = Changer(c).PlanAdd(d, request, Scope, out var mac);
                if (Run(c, plan) && PassThru) WriteAdapter(d, c, mac);
            });
    }
}
