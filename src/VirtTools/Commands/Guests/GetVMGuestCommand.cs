using System.Management.Automation;
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

    protected override void ProcessRecord()
    {
        var c = Connection();
        try
        {
            if (Name is not { Length: > 0 } && PipedGuest is null)
            {
                foreach (var d in c.ListDomains().OrderBy(d => d.Name, StringComparer.OrdinalIgnoreCase)) Emit(d, c);
                return;
            }
            foreach (var n in GuestNames(Name ?? Array.Empty<string>()))
                foreach (var d in Resolve(c, n)) Emit(d, c);
        }
        catch (LibvirtException e) { WriteError(e); }
    }

    private void Emit(ILibvirtDomain d, ILibvirtConnection c)
    {
        using (d)
        {
            VMGuest g;
            try { g = ToGuest(d, c); }
            catch (LibvirtException e) when (e.Code == ErrorCodes.NoDomain)
            {
                return; // removed between list and read
            }
            if (State is { Length: > 0 } && !State.Contains(g.State, StringComparer.OrdinalIgnoreCase)) return;
            WriteObject(g);
        }
    }
}
