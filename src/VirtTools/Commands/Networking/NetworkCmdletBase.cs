using System.Management.Automation;
using VirtTools.Libvirt;
using VirtTools.Networking;

namespace VirtTools.Commands;

/// <summary>
/// What the cmdlets acting on libvirt networks by name share (Remove-, Start-, Stop-VMNetwork,
/// Get-VMNetworkLease): -Name with wildcards, bound from Get-VMNetwork's objects (Name) and from leases
/// (Network), each network handed to the action and disposed after.
/// </summary>
public abstract class NetworkCmdletBase : GuestCmdletBase
{
    /// <summary>Network names; wildcards.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Network")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NetworkNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    protected void ForEachNetwork(Action<ILibvirtNetwork, ILibvirtConnection> act)
    {
        var c = Connection();
        foreach (var pattern in Name)
        {
            List<ILibvirtNetwork> hits;
            try
            {
                if (WildcardPattern.ContainsWildcardCharacters(pattern))
                {
                    var p = new WildcardPattern(pattern, WildcardOptions.IgnoreCase);
                    hits = new List<ILibvirtNetwork>();
                    foreach (var n in c.ListNetworks().OrderBy(n => n.Name, StringComparer.OrdinalIgnoreCase))
                        if (p.IsMatch(n.Name)) hits.Add(n);
                        else n.Dispose();
                }
                else if (c.FindNetwork(pattern) is { } one) hits = new List<ILibvirtNetwork> { one };
                else { WriteError(GuestNetworkChoice.NotFound(c, pattern, ""), pattern); continue; }
            }
            catch (LibvirtException e) { WriteError(e, pattern); continue; }
            foreach (var n in hits)
                using (n) Try(n.Name, () => act(n, c));
        }
    }

    protected VirtualNetworkService Service(ILibvirtConnection c) => new(c, HostContext);
}
