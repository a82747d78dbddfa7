using System.Xml.Linq;
using VirtTools.Libvirt;

namespace VirtTools.Migration;

/// <summary>One snapshot taken along on a move: its full XML (with secure values) and where it sits in the tree.</summary>
public sealed record CarriedSnapshot(string Name, string? Parent, bool IsCurrent, string Xml);

/// <summary>
/// Takes a guest's snapshots along on a move (Move-VMGuest -IncludeSnapshots). libvirt refuses to migrate a
/// guest with snapshot metadata, while the snapshots' data (internal qcow2 snapshots) lives in the disk
/// images, which a move leaves where they are. So: keep each snapshot's XML, drop libvirt's metadata only,
/// move, and redefine them at the destination parents first, the current one marked. On any failure the
/// metadata is defined again on the source, and nothing of it stays at the destination: a snapshot is
/// never known in two places, nor lost.
/// </summary>
public static class SnapshotCarryOver
{
    public static class Ids
    {
        public const string NotDropped = "MigrationSnapshotsNotDropped";
        public const string NotRedefined = "MigrationSnapshotsNotRedefined";
        public const string NotRestored = "MigrationSnapshotsNotRestored";
    }

    /// <summary>Every snapshot of the guest, parents before children (libvirt's topological order).</summary>
    public static IReadOnlyList<CarriedSnapshot> Keep(ILibvirtDomain guest)
    {
        var snaps = guest.ListSnapshots(SnapshotListFlags.Topological);
        try
        {
            return snaps.Select(s =>
            {
                var xml = s.GetXml(SnapshotXmlFlags.Secure);
                var parent = (string?)XElement.Parse(xml).Element("parent")?.Element("name");
                return new CarriedSnapshot(s.Name, parent, s.IsCurrent, xml);
            }).ToArray();
        }
        finally { foreach (var s in snaps) s.Dispose(); }
    }

    /// <summary>Defines the snapshots on <paramref name="guest"/> from their XML, in the order given (parents first).</summary>
    public static void Redefine(ILibvirtDomain guest, IEnumerable<CarriedSnapshot> snapshots, ICollection<CarriedSnapshot>? done = null)
    {
        foreach (var s in snapshots)
        {
            // Without Current a redefined snapshot does not become the current one.
            var flags = SnapshotCreateFlags.Redefine | (s.IsCurrent ? SnapshotCreateFlags.Current : SnapshotCreateFlags.None);
            using var _ = guest.CreateSnapshot(s.Xml, flags);
            done?.Add(s);
        }
    }

    /// <summary>Deletes libvirt's metadata of the snapshots, children first so that none is re-parented; the data stays in the images.</summary>
    public static void DropMetadata(ILibvirtDomain guest, IEnumerable<CarriedSnapshot> snapshots, ICollection<CarriedSnapshot>? done = null)
    {
        foreach (var s in snapshots.Reverse())
        {
            using var h = guest.FindSnapshot(s.Name);
            if (h is null) continue;
            h.Delete(SnapshotDeleteFlags.MetadataOnly);
            done?.Add(s);
        }
    }

    /// <summary>
    /// Moves the guest with <paramref name="migrate"/> (which must leave the source's definition in place)
    /// with its snapshots <paramref name="kept"/> by <see cref="Keep"/>; returns the guest at the destination.
    /// </summary>
    public static ILibvirtDomain Move(ILibvirtConnection source, ILibvirtDomain guest, IReadOnlyList<CarriedSnapshot> kept,
        Func<ILibvirtDomain> migrate, string destinationUri)
    {
        var dropped = new List<CarriedSnapshot>();
        try { DropMetadata(guest, kept, dropped); }
        catch (Exception e)
        {
            PutBack(source, guest, kept, dropped, e);
            throw new VirtToolsException(Ids.NotDropped, FailureKind.InvalidOperation,
                $"Could not remove the snapshot metadata of '{guest.Name}' before the move ({Reason(e)}); nothing was moved, and its " +
                $"{kept.Count} snapshot(s) are defined on {source.Uri} as before.", guest.Name,
                "Fix the cause libvirt gives, then move again; or move without -IncludeSnapshots after removing the snapshots.", e);
        }

        ILibvirtDomain moved;
        try { moved = migrate(); }
        catch (Exception e)
        {
            PutBack(source, guest, kept, dropped, e);
            throw;
        }

        var redefined = new List<CarriedSnapshot>();
        try { Redefine(moved, kept, redefined); }
        catch (Exception e)
        {
            // Those that did get defined there go again, so that moving the guest back is not refused for them.
            try { DropMetadata(moved, redefined); }
            catch (Exception) { /* the source gets them all the same; the destination's are metadata only */ }
            PutBack(source, guest, kept, dropped, e);
            moved.Dispose();
            throw new VirtToolsException(Ids.NotRedefined, FailureKind.InvalidOperation,
                $"'{guest.Name}' moved to {destinationUri}, but its snapshots could not be defined there ({Reason(e)}). They were " +
                $"defined again on the guest's definition at {source.Uri}; their data stays in the disk images.", guest.Name,
                $"Fix the cause, then move the guest back (Move-VMGuest -ConnectionUri {destinationUri} ...) or move the snapshots' definitions " +
                "yourself (virsh snapshot-dumpxml --security-info, then virsh snapshot-create --redefine at the destination).", e);
        }
        return moved;
    }

    /// <summary>
    /// Defines the dropped snapshots on the source again. If that fails too, the XML is what is left: it goes
    /// with the error as its target object, for virsh snapshot-create --redefine.
    /// </summary>
    private static void PutBack(ILibvirtConnection source, ILibvirtDomain guest, IReadOnlyList<CarriedSnapshot> kept,
        IReadOnlyCollection<CarriedSnapshot> dropped, Exception cause)
    {
        if (dropped.Count == 0) return;
        var missing = kept.Where(dropped.Contains).ToList();
        try
        {
            // A transient guest that moved live has no definition left here.
            using var there = source.FindDomain(guest.Uuid);
            if (there is null) throw new VirtToolsException("GuestNotFound", FailureKind.ObjectNotFound, $"'{guest.Name}' has no definition left at {source.Uri}", guest.Name);
            var back = new List<CarriedSnapshot>();
            try { Redefine(there, missing, back); }
            finally { missing.RemoveAll(back.Contains); }
        }
        catch (Exception e)
        {
            throw new VirtToolsException(Ids.NotRestored, FailureKind.InvalidOperation,
                $"The move of '{guest.Name}' failed ({Reason(cause)}), and {missing.Count} of its snapshots could not be defined again " +
                $"at {source.Uri} ({Reason(e)}): {string.Join(", ", missing.Select(s => s.Name))}. Their data is still in the disk images.",
                missing, "Each snapshot's XML is this error's TargetObject: save each .Xml to a file and run 'virsh snapshot-create " +
                "GUEST FILE --redefine' (parents first, --current for the one whose IsCurrent is true) where the guest is defined.", cause);
        }
    }

    private static string Reason(Exception e) => e is LibvirtException l ? l.LibvirtMessage : e.Message;
}
