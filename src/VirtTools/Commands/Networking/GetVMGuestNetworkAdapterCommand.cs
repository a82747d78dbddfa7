using System.Management.Automation;
using VirtTools.Libvirt;
using VirtTools.Networking;

namespace VirtTools.Commands;

/// <summary>Lists guests' NICs with their addresses and where each address came from.</summary>
[Cmdlet(VerbsCommon.Get, "VMGuestNetworkAdapter", HelpUri = VirtToolsCmdlet.HelpBase + "Get-VMGuestNetworkAdapter.md")]
[OutputType(typeof(VMGuestNetworkAdapter))]
public sealed class GetVMGuestNetworkAdapterCommand : GuestCmdletBase
{
    /// <summary>The guests (wildcards; VMGuest objects bind by their Name). Default: every guest.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VMGuestNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only the NICs with these MACs (any separator or case).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(MacAddressCompleter))]
    public string[]? MacAddress { get; set; }

    /// <summary>A piped kept connection (Get-VHSLibvirtConnection | ...): its Uri is -ConnectionUri; it names nothing (NamesBesidesPipedConnection).</summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public LibvirtConnectionInfo? KeptConnection { get; set; }

    protected override void ProcessRecord()
    {
        Name = NamesBesidesPipedConnection(Name, KeptConnection);
        var c = Connection();
        var macs = MacAddress?.Select(m => Networking.MacAddress.Normalize(m) ?? m.Trim().ToLowerInvariant()).ToHashSet();
        var names = Name is { Length: > 0 } ? Name : new[] { "*" };
        ForEachGuest(c, names, d =>
        {
            var notes = new List<string>();
            IReadOnlyList<VMGuestNetworkAdapter> nics;
            try { nics = GuestNicReader.Adapters(d, c.Uri, notes); }
            catch (LibvirtException e) when (e.Code == ErrorCodes.NoDomain) { return; } // removed between list and read
            foreach (var n in notes) WriteVerbose(n);
            foreach (var nic in nics)
                if (macs is null || macs.Contains(nic.MacAddress)) WriteObject(nic);
        });
    }
}
