using System.Xml.Linq;
using VirtTools.Libvirt;

namespace VirtTools.Migration;

public static partial class GuestMigrator
{
    /// <summary>
    /// Move-VMGuest -IncludeSnapshots: <paramref name="run"/> moves the guest (GuestMigrator.Run) while the
    /// snapshots go along through <see cref="SnapshotCarryOver"/>. libvirt is never asked to undefine the
    /// source: its definition is where the snapshots go back on a failure, so -UndefineSource is done here,
    /// once they are defined at the destination.
    /// </summary>
    public static ILibvirtDomain RunWithSnapshots(ILibvirtConnection source, ILibvirtDomain guest, MigrationRequest r,
        Func<MigrationRequest, ILibvirtDomain> run)
    {
        var kept = SnapshotCarryOver.Keep(guest);
        if (kept.Count == 0) return run(r);
        var moved = SnapshotCarryOver.Move(source, guest, kept, () => run(r with { UndefineSource = false }), r.DestinationUri);
        if (!r.UndefineSource) return moved;
        try
        {
            using var here = source.FindDomain(guest.Uuid);
            if (here is { IsPersistent: true })
            {
                // libvirt's own -UndefineSource deletes the definition only: the NVRAM file stays, as here.
                var nvram = XDocument.Parse(here.GetXml(DomainXmlFlags.Inactive)).Root?.Element("os")?.Element("nvram") is not null;
                here.Undefine(nvram ? DomainUndefineFlags.KeepNvram : DomainUndefineFlags.None);
            }
        }
        catch (LibvirtException e)
        {
            moved.Dispose();
            throw new VirtToolsException("MigrationSourceNotUndefined", FailureKind.InvalidOperation,
                $"'{guest.Name}' and its {kept.Count} snapshot(s) moved to {r.DestinationUri}, but its definition at {source.Uri} could not be removed: {e.LibvirtMessage}",
                guest.Name, $"Remove it there with Remove-VMGuest {guest.Name} -ConnectionUri {source.Uri} (without -RemoveStorage: the disks are the destination's now).", e);
        }
        return moved;
    }
}
