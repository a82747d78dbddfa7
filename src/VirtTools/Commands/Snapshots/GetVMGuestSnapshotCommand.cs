using System.Management.Automation;
using VirtTools.Snapshots;

namespace VirtTools.Commands;

/// <summary>Lists guests' snapshots, parents before children.</summary>
[Cmdlet(VerbsCommon.Get, "VMGuestSnapshot", HelpUri = VirtToolsCmdlet.HelpBase + "Get-VMGuestSnapshot.md")]
[OutputType(typeof(VMGuestSnapshot))]
public sealed class GetVMGuestSnapshotCommand : PipedGuestCmdletBase
{
    /// <summary>Guest names; default every guest.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(VMGuestNameCompleter))]
    public string[] Name { get; set; } = { "*" };

    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(SnapshotNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? SnapshotName { get; set; }

    protected override void ProcessRecord()
    {
        var c = Connection();
        var svc = new SnapshotService(c);
        var patterns = SnapshotName?.Select(n => (Text: n, Pattern: new WildcardPattern(n, WildcardOptions.IgnoreCase))).ToArray();
        ForEachGuest(c, Name, guest =>
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
