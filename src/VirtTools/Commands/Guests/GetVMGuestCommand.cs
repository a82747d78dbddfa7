using System.Management.Automation;
using VirtTools.Guests;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>Lists libvirt guests with their state, hardware and devices.</summary>
[Cmdlet(VerbsCommon.Get, "VMGuest", HelpUri = VirtToolsCmdlet.HelpBase + "Get-VMGuest.md")]
[OutputType(typeof(VMGuest))]
public sealed class GetVMGuestCommand : PipedGuestCmdletBase
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VMGuestNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>Only guests in these states.</summary>
    [Parameter]
    [ValidateSet("Running", "Paused", "ShutOff", "ShuttingDown", "Crashed", "PMSuspended", "Blocked", "NoState", IgnoreCase = true)]
    public string[]? State { get; set; }

    /// <summary>A piped kept connection (Get-VHSLibvirtConnection | ...): its Uri is -ConnectionUri; it names nothing (NamesBesidesPipedConnection).</summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public LibvirtConnectionInfo? KeptConnection { get; set; }

    protected override void ProcessRecord()
    {
        Name = NamesBesidesPipedConnection(Name, KeptConnection);
        var c = Connection();
        try
        {
            if (Name is not { Length: > 0 } && PipedGuest is null)
            {
                EmitAll(c, c.ListDomains().OrderBy(d => d.Name, StringComparer.OrdinalIgnoreCase).ToList());
                return;
            }
            foreach (var n in GuestNames(Name ?? Array.Empty<string>()))
                EmitAll(c, Resolve(c, n).ToList());
        }
        catch (LibvirtException e) { WriteError(e); }
    }

    /// <summary>Guests of one listing: their state, autostart and persistence read in bulk when there are several.</summary>
    private void EmitAll(ILibvirtConnection c, IReadOnlyList<ILibvirtDomain> domains)
    {
        try
        {
            var facts = GuestListFacts.Read(c, domains);
            foreach (var d in domains) Emit(d, c, facts);
        }
        finally
        {
            foreach (var d in domains) d.Dispose();
        }
    }

    private void Emit(ILibvirtDomain d, ILibvirtConnection c, GuestListFacts? facts)
    {
        VMGuest g;
        try
        {
            // Known before the definition is fetched: a guest the filter leaves out costs no XML.
            if (facts is not null && State is { Length: > 0 } && !State.Contains(facts.StateOf(d, d.Uuid).State.ToString(), StringComparer.OrdinalIgnoreCase))
                return;
            g = GuestReader.Read(d, c.Uri, facts);
        }
        catch (LibvirtException e) when (e.Code == ErrorCodes.NoDomain)
        {
            return; // removed between list and read
        }
        if (State is { Length: > 0 } && !State.Contains(g.State, StringComparer.OrdinalIgnoreCase)) return;
        WriteObject(g);
    }
}
