using System.Management.Automation;

namespace VirtTools.Commands;

/// <summary>Deletes snapshots (with -IncludeChildren their descendants too); the guest itself is not touched.</summary>
[Cmdlet(VerbsCommon.Remove, "VMGuestSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ByName, HelpUri = VirtToolsCmdlet.HelpBase + "Remove-VMGuestSnapshot.md")]
[OutputType(typeof(VMGuestSnapshot))]
public sealed class RemoveVMGuestSnapshotCommand : SnapshotTargetCmdlet
{
    [Parameter]
    public SwitchParameter IncludeChildren { get; set; }

    /// <summary>Removes only libvirt's record of the snapshots (VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY): their data stays in the disk images.</summary>
    [Parameter]
    public SwitchParameter MetadataOnly { get; set; }

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
                if (MetadataOnly) what += " from libvirt's metadata only (the data stays in the disk images)";
                if (!ShouldProcess($"guest '{guest.Name}' at {svc.ConnectionUri}", what)) return;
                svc.Delete(guest, snap, IncludeChildren, MetadataOnly);
                foreach (var n in names) _removed.Add($"{svc.ConnectionUri}\n{guest.Name}\n{n}");
                if (PassThru) WriteObject(s);
            });
        }
    }
}
