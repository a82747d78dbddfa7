using System.Management.Automation;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>The cmdlets that act on existing NICs: a guest and MACs, or VMGuestNetworkAdapter objects from the pipeline.</summary>
public abstract class NicTargetCmdletBase : NicChangeCmdletBase
{
    protected const string ByName = "ByName", ByObject = "InputObject";

    /// <summary>The guest (one; no wildcards).</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByName)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VMGuestNameCompleter))]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ByName)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MacAddressCompleter))]
    public string[] MacAddress { get; set; } = Array.Empty<string>();

    /// <summary>NICs from Get-VMGuestNetworkAdapter: each names its guest, MAC and connection.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByObject)]
    [ValidateNotNull]
    public VMGuestNetworkAdapter[] InputObject { get; set; } = Array.Empty<VMGuestNetworkAdapter>();

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ByObject)
        {
            foreach (var nic in InputObject)
            {
                var c = Connection(string.IsNullOrEmpty(nic.ConnectionUri) ? CurrentUri : nic.ConnectionUri);
                Each(c, nic.Guest, new[] { nic.MacAddress });
            }
            return;
        }
        Each(Connection(), Name, MacAddress);
    }

    private void Each(ILibvirtConnection c, string guest, IEnumerable<string> macs)
    {
        ILibvirtDomain? d;
        try { d = FindGuest(c, guest); }
        catch (LibvirtException e) { WriteError(e, guest); return; }
        if (d is null) return;
        using (d)
            foreach (var mac in macs)
                Try(mac, () => Act(c, d, mac));
    }

    protected abstract void Act(ILibvirtConnection c, ILibvirtDomain d, string mac);
}
