using System.Management.Automation;
using VirtTools.Libvirt;
using VirtTools.Monitoring;

namespace VirtTools.Commands;

public sealed partial class WaitVMGuestCommand
{
    /// <summary>What to wait for besides a state: IPAddress, until a network adapter has an address (lease, agent or ARP).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "For")]
    [ValidateSet("IPAddress", IgnoreCase = true)]
    public string For { get; set; } = "";

    private void WaitForAddresses(ILibvirtConnection c) =>
        ForEachGuest(c, Name, d =>
        {
            IReadOnlyList<VMGuestNetworkAdapter> nics;
            try { nics = GuestAddressWaiter.Wait(d, c.Uri, Timeout, _stop.Token, _started); }
            catch (OperationCanceledException) { return; }
            WriteObject(nics, enumerateCollection: true);
        });
}
