using System.Management.Automation;
using VirtTools.Libvirt;
using VirtTools.Snapshots;

namespace VirtTools.Commands;

/// <summary>Shared parameters of the cmdlets that act on existing snapshots: by guest and snapshot name, or VMGuestSnapshot objects.</summary>
public abstract class SnapshotTargetCmdlet : GuestCmdletBase
{
    protected const string ByName = "ByName", ByObject = "InputObject";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByName)]
    [ArgumentCompleter(typeof(VMGuestNameCompleter))]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ByName)]
    [ArgumentCompleter(typeof(SnapshotNameCompleter))]
    public string[] SnapshotName { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ByObject)]
    public VMGuestSnapshot[] InputObject { get; set; } = Array.Empty<VMGuestSnapshot>();

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Each (connection, guest, snapshot name) the invocation names; wildcards in -SnapshotName expand.</summary>
    protected IEnumerable<(SnapshotService Service, ILibvirtDomain Guest, string Snapshot)> Targets()
    {
        if (ParameterSetName == ByObject)
        {
            foreach (var s in InputObject)
            {
                var svc = new SnapshotService(Connection(string.IsNullOrEmpty(s.ConnectionUri) ? CurrentUri : s.ConnectionUri));
                ILibvirtDomain guest;
                try
                {
                    SnapshotService.ValidateName(s.Name);
                    guest = svc.FindGuest(s.Guest);
                }
                catch (VirtToolsException e) { WriteError(e, s); continue; }
                yield return (svc, guest, s.Name);
            }
            yield break;
        }
        var service = new SnapshotService(Connection());
        ILibvirtDomain g;
        try { g = service.FindGuest(Name); }
        catch (VirtToolsException e) { WriteError(e, Name); yield break; }
        var existing = SnapshotName.Any(WildcardPattern.ContainsWildcardCharacters) ? service.List(g) : null;
        foreach (var n in SnapshotName)
        {
            if (!WildcardPattern.ContainsWildcardCharacters(n)) { yield return (service, g, n); continue; }
            var p = new WildcardPattern(n, WildcardOptions.IgnoreCase);
            foreach (var s in existing!.Where(s => p.IsMatch(s.Name))) yield return (service, g, s.Name);
        }
    }
}
