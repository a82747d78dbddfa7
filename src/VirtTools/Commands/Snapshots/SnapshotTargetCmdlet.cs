using System.Management.Automation;
using VirtTools.Libvirt;
using VirtTools.Snapshots;

namespace VirtTools.Commands;

/// <summary>Takes a libvirt snapshot of guests (memory too while they run), after the checks that libvirt would fail late or not at all.</summary>
[Cmdlet(VerbsData.Checkpoint, "VMGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Checkpoint-VMGuest.md")]
[OutputType(typeof(VMGuestSnapshot))]
public sealed class CheckpointVMGuestCommand : GuestActionCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(VMGuestNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Default: the local time, 2026-12-01_12-30-05.</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    [ValidatePattern("^[^/]+$")]
    public string? SnapshotName { get; set; }

    [Parameter]
    public string? Description { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var c = Connection();
        var svc = new SnapshotService(c);
        foreach (var guest in ResolveGuests(c, Name))
        {
            using (guest)
                Try(guest.Name, () =>
                {
                    if (svc.Preflight(guest) is { } refusal) throw refusal;
                    var name = SnapshotName ?? svc.DefaultName(guest, DateTime.Now);
                    var what = guest.IsActive ? "with its memory (the guest pauses while it is saved)" : "of its disks";
                    if (!ShouldProcess($"guest '{guest.Name}' at {c.Uri}", $"Take snapshot '{name}' {what}")) return;
                    var s = svc.Create(guest, name, Description);
                    if (PassThru) WriteObject(s);
                });
        }
    }
}

/// <summary>Lists guests' snapshots, parents before children.</summary>
[Cmdlet(VerbsCommon.Get, "VMGuestSnapshot", HelpUri = VirtToolsCmdlet.HelpBase + "Get-VMGuestSnapshot.md")]
[OutputType(typeof(VMGuestSnapshot))]
public sealed class GetVMGuestSnapshotCommand : GuestActionCmdlet
{
    /// <summary>Guest names; default every guest.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(VMGuestNameCompleter))]
    public string[] Name { get; set; } = { "*" };

    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SnapshotNameCompleter))]
    public string[]? SnapshotName { get; set; }

    protected override void ProcessRecord()
    {
        var c = Connection();
        var svc = new SnapshotService(c);
        var patterns = SnapshotName?.Select(n => (Text: n, Pattern: new WildcardPattern(n, WildcardOptions.IgnoreCase))).ToArray();
        foreach (var guest in ResolveGuests(c, Name))
        {
            using (guest)
                Try(guest.Name, () =>
                {
                    var all = svc.List(guest);
                    if (patterns is null) { WriteObject(all, true); return; }
                    WriteObject(all.Where(s => patterns.Any(p => p.Pattern.IsMatch(s.Name))), true);
                    // A literal name that is not there is an error; a pattern that matches nothing is not.
                    foreach (var (text, _) in patterns.Where(p => !WildcardPattern.ContainsWildcardCharacters(p.Text) &&
                                                                  !all.Any(s => string.Equals(s.Name, p.Text, StringComparison.OrdinalIgnoreCase))))
                        WriteError(new VirtToolsException("SnapshotNotFound", FailureKind.ObjectNotFound,
                            $"Guest '{guest.Name}' has no snapshot named '{text}'.", text, $"Run Get-VMGuestSnapshot -Name {guest.Name} to see its snapshots."));
                });
        }
    }
}

/// <summary>Shared parameters of the cmdlets that act on existing snapshots: by guest and snapshot name, or VMGuestSnapshot objects.</summary>
public abstract class SnapshotTargetCmdlet : GuestActionCmdlet
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
                try { guest = svc.FindGuest(s.Guest); }
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

/// <summary>Reverts guests to a snapshot: their current state is lost.</summary>
[Cmdlet(VerbsData.Restore, "VMGuestSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ByName, HelpUri = VirtToolsCmdlet.HelpBase + "Restore-VMGuestSnapshot.md")]
[OutputType(typeof(VMGuestSnapshot))]
public sealed class RestoreVMGuestSnapshotCommand : SnapshotTargetCmdlet
{
    protected override void ProcessRecord()
    {
        foreach (var (svc, guest, snap) in Targets())
        {
            Try(snap, () =>
            {
                var s = svc.Get(guest, snap);
                var then = s.HasMemory ? $"it resumes {s.State} where it was at {s.CreationTime:g}" : $"its disks return to {s.CreationTime:g} and it is {s.State}";
                if (!ShouldProcess($"guest '{guest.Name}' at {svc.ConnectionUri}",
                        $"Revert to snapshot '{snap}': the guest's current state is lost; {then}")) return;
                var after = svc.Revert(guest, snap);
                if (PassThru) WriteObject(after);
            });
        }
    }
}

/// <summary>Deletes snapshots (with -IncludeChildren their descendants too); the guest itself is not touched.</summary>
[Cmdlet(VerbsCommon.Remove, "VMGuestSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ByName, HelpUri = VirtToolsCmdlet.HelpBase + "Remove-VMGuestSnapshot.md")]
[OutputType(typeof(VMGuestSnapshot))]
public sealed class RemoveVMGuestSnapshotCommand : SnapshotTargetCmdlet
{
    [Parameter]
    public SwitchParameter IncludeChildren { get; set; }

    // A parent removed with -IncludeChildren takes piped children with it: not an error.
    private readonly HashSet<string> _removed = new(StringComparer.Ordinal);

    protected override void ProcessRecord()
    {
        foreach (var (svc, guest, snap) in Targets())
        {
            var key = $"{svc.ConnectionUri}\n{guest.Name}\n{snap}";
            if (_removed.Contains(key)) continue;
            Try(snap, () =>
            {
                var s = svc.Get(guest, snap);
                var names = IncludeChildren ? svc.Subtree(guest, snap) : new[] { snap };
                var what = names.Count > 1 ? $"Remove snapshot '{snap}' and its {names.Count - 1} descendant(s): {string.Join(", ", names.Skip(1))}" : $"Remove snapshot '{snap}'";
                if (!ShouldProcess($"guest '{guest.Name}' at {svc.ConnectionUri}", what)) return;
                svc.Delete(guest, snap, IncludeChildren);
                foreach (var n in names) _removed.Add($"{svc.ConnectionUri}\n{guest.Name}\n{n}");
                if (PassThru) WriteObject(s);
            });
        }
    }
}
