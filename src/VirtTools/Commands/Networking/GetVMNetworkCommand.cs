using System.Management.Automation;
using VirtTools.Libvirt;
using VirtTools.Networking;

namespace VirtTools.Commands;

/// <summary>Lists libvirt virtual networks: active, autostart, bridge, forward mode, address, DHCP range.</summary>
[Cmdlet(VerbsCommon.Get, "VMNetwork", HelpUri = VirtToolsCmdlet.HelpBase + "Get-VMNetwork.md")]
[OutputType(typeof(VMNetwork))]
public sealed class GetVMNetworkCommand : GuestCmdletBase
{
    /// <summary>Network names; wildcards. Default: every network.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(NetworkNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>A piped kept connection (Get-VHSLibvirtConnection | ...): its Uri is -ConnectionUri; it names nothing (NamesBesidesPipedConnection).</summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public LibvirtConnectionInfo? KeptConnection { get; set; }

    protected override void ProcessRecord()
    {
        Name = NamesBesidesPipedConnection(Name, KeptConnection);
        var c = Connection();
        IReadOnlyList<ILibvirtNetwork> all;
        try { all = c.ListNetworks(); }
        catch (LibvirtException e) { WriteError(e, c.Uri); return; }
        try
        {
            var sorted = all.OrderBy(n => n.Name, StringComparer.OrdinalIgnoreCase).ToList();
            foreach (var pattern in Name is { Length: > 0 } ? Name : new[] { "*" })
            {
                var p = new WildcardPattern(pattern, WildcardOptions.IgnoreCase);
                var hits = sorted.Where(n => p.IsMatch(n.Name)).ToList();
                if (hits.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
                    WriteError(GuestNetworkChoice.NotFound(c, pattern, ""), pattern);
                foreach (var n in hits) Try(n.Name, () => WriteObject(NetworkReader.Read(n, c.Uri)));
            }
        }
        finally { foreach (var n in all) n.Dispose(); }
    }
}
