using System.Management.Automation;
using VirtTools.Networking;

namespace VirtTools.Commands;

/// <summary>Lists the DHCP leases of libvirt networks (virsh net-dhcp-leases): MAC, address, hostname, expiry, client id.</summary>
[Cmdlet(VerbsCommon.Get, "VMNetworkLease", HelpUri = VirtToolsCmdlet.HelpBase + "Get-VMNetworkLease.md")]
[OutputType(typeof(VMNetworkLease))]
public sealed class GetVMNetworkLeaseCommand : NetworkCmdletBase
{
    /// <summary>Only the leases of this MAC address.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MacAddress { get; set; }

    protected override void ProcessRecord() => ForEachNetwork((n, c) =>
    {
        foreach (var l in VirtualNetworkService.Leases(n, c.Uri))
            if (MacAddress is null || string.Equals(l.MacAddress, MacAddress, StringComparison.OrdinalIgnoreCase))
                WriteObject(l);
    });
}
