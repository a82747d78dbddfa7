using VirtTools.Libvirt;

namespace VirtTools.Tests.Guests;

public sealed partial class FaultyConnection
{
    /// <summary>virDomainMigrate3 fails (as a refused or aborted migration does).</summary>
    public bool FailMigrate { get; set; }

    /// <summary>The redefinitions (virDomainSnapshotCreateXML with Redefine) after this many succeed fail; null: none fails.</summary>
    public int? FailRedefineAfter { get; set; }

    /// <summary>Every snapshot creation, in order, as its flags.</summary>
    public List<SnapshotCreateFlags> SnapshotCalls { get; } = new();

    private ILibvirtSnapshot Snapshot(SnapshotCreateFlags flags, Func<ILibvirtSnapshot> create)
    {
        if (flags.HasFlag(SnapshotCreateFlags.Redefine) && FailRedefineAfter is int n && SnapshotCalls.Count(f => f.HasFlag(SnapshotCreateFlags.Redefine)) >= n)
            throw Injected("virDomainSnapshotCreateXML");
        SnapshotCalls.Add(flags);
        return create();
    }

    private ILibvirtSnapshot WrapSnapshot(ILibvirtSnapshot s) => new FaultySnapshot(s);

    /// <summary>
    /// The test driver refuses a metadata-only delete (its snapshots have no data besides the metadata), so
    /// one is answered with the plain delete, which removes the same: libvirt's record of one snapshot.
    /// </summary>
    private sealed class FaultySnapshot(ILibvirtSnapshot s) : ILibvirtSnapshot
    {
        public string Name => s.Name;
        public string GetXml() => s.GetXml();
        public string GetXml(SnapshotXmlFlags flags) => s.GetXml(flags);
        public bool IsCurrent => s.IsCurrent;
        public void Revert(SnapshotRevertFlags flags = SnapshotRevertFlags.None) => s.Revert(flags);
        public void Delete(SnapshotDeleteFlags flags = SnapshotDeleteFlags.None) => s.Delete(flags & ~SnapshotDeleteFlags.MetadataOnly);
        public void Dispose() => s.Dispose();
    }
}
