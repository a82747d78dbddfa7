using System.Management.Automation;
using VirtTools.Networking;

namespace VirtTools.Commands;

/// <summary>
/// Creates a libvirt virtual network (NAT, isolated, routed, open, or on a host bridge), with the host's
/// address and a DHCP range from -Subnet; starts it and, with -AutoStart, marks it to start with the host.
/// </summary>
[Cmdlet(VerbsCommon.New, "VMNetwork", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "New-VMNetwork.md")]
[OutputType(typeof(VMNetwork))]
public sealed class NewVMNetworkCommand : GuestCmdletBase
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Nat (default), Isolated, Route, Open or Bridge.</summary>
    [Parameter(Position = 1)]
    public NetworkMode Mode { get; set; } = NetworkMode.Nat;

    /// <summary>CIDR subnets (one IPv4, at most one IPv6 /64): the host's address and a DHCP range on each.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Subnet { get; set; }

    /// <summary>The existing host bridge of a -Mode Bridge network.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Bridge { get; set; }

    [Parameter]
    public SwitchParameter AutoStart { get; set; }

    /// <summary>Define the network without starting it.</summary>
    [Parameter]
    public SwitchParameter NoStart { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var c = Connection();
        var service = new VirtualNetworkService(c, HostContext);
        NetworkPlan plan;
        try { plan = service.Plan(new NetworkRequest(Name, Mode, Subnet ?? Array.Empty<string>(), Bridge, AutoStart, NoStart)); }
        catch (VirtToolsException e) { WriteError(e, Name); return; }
        if (!ShouldProcess($"libvirt network '{Name}' on {c.Uri}", $"Create {plan.Describe()}")) return;
        Try(Name, () =>
        {
            var n = service.Create(plan);
            if (PassThru) WriteObject(n);
        });
    }
}
