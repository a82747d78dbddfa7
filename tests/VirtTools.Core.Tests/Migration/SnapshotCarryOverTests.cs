using VirtTools.Guests;
using VirtTools.Libvirt;
using VirtTools.Migration;
using VirtTools.Snapshots;
using VirtTools.Tests.Guests;
using VirtTools.Tests.Snapshots;

namespace VirtTools.Tests.Migration;

/// <summary>
/// Move-VMGuest -IncludeSnapshots' carry-over on two private test-driver hosts (test:///FILE: each open is a
/// host of its own). The test driver cannot migrate, so a move is what libvirt leaves behind: the guest
/// defined and running at the destination, the source's definition shut off (or gone). Failures come from
/// the faulty decorator.
/// </summary>
public sealed class SnapshotCarryOverTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vt-carry-").FullName;
    private readonly FaultyConnection _a, _b;

    public SnapshotCarryOverTests()
    {
        _a = new FaultyConnection(LibvirtConnector.Open(Host("a")));
        _b = new FaultyConnection(LibvirtConnector.Open(Host("b")));
    }

    private string Host(string name)
    {
        var file = Path.Combine(_dir, name + ".xml");
        File.WriteAllText(file, "<node/>");
        return "test://" + file;
    }

    public void Dispose()
    {
        _a.Dispose();
        _b.Dispose();
        Directory.Delete(_dir, true);
    }

    /// <summary>Snapshots a, b (child of a), c (child of b), d (child of a); then b reverted to, so the current one is neither a leaf nor the last.</summary>
    private ILibvirtDomain GuestWithTree()
    {
        var g = _a.DefineDomain("<domain type='test'><name>carry</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>" +
                                "<os><type arch='i686'>hvm</type></os><devices><graphics type='vnc' passwd='s3cret'/></devices></domain>");
        g.Start();
        var svc = new SnapshotService(_a);
        svc.Create(g, "a", null);
        svc.Create(g, "b", "middle");
        svc.Create(g, "c", null);
        svc.Revert(g, "a");
        svc.Create(g, "d", null);
        svc.Revert(g, "b");
        return g;
    }

    private static (string, string?, bool)[] Tree(ILibvirtConnection c, ILibvirtDomain g) =>
        new SnapshotService(c).List(g).OrderBy(s => s.Name).Select(s => (s.Name, s.Parent, s.IsCurrent)).ToArray();

    private static readonly (string, string?, bool)[] Expected = [("a", null, false), ("b", "a", true), ("c", "b", false), ("d", "a", false)];

    /// <summary>What a live move of a persistent guest leaves: it runs there, its definition here is shut off.</summary>
    private ILibvirtDomain MoveTo(ILibvirtDomain g, ILibvirtConnection dest)
    {
        var there = dest.DefineDomain(g.GetXml(DomainXmlFlags.Inactive | DomainXmlFlags.Secure));
        there.Start();
        g.Destroy();
        return there;
    }

    private static void AssertNoSnapshots(ILibvirtDomain g)
    {
        var left = g.ListSnapshots();
        foreach (var s in left) s.Dispose();
        Assert.Empty(left);
    }

    [Fact]
    public void Keep_reads_the_tree_parents_first_with_the_secure_XML()
    {
        using var g = GuestWithTree();
        var kept = SnapshotCarryOver.Keep(g);
        Assert.Equal(4, kept.Count);
        Assert.Equal(Expected, kept.OrderBy(s => s.Name).Select(s => (s.Name, s.Parent, s.IsCurrent)));
        foreach (var s in kept.Where(s => s.Parent is not null))
            Assert.True(kept.ToList().FindIndex(p => p.Name == s.Parent) < kept.ToList().IndexOf(s), $"{s.Name} before its parent {s.Parent}");
        // Without the secure flag libvirt leaves the password out, and a redefinition would lose it.
        Assert.All(kept, s => Assert.Contains("passwd='s3cret'", s.Xml));
    }

    [Fact]
    public void A_move_redefines_every_snapshot_at_the_destination_with_the_current_one_and_drops_them_here()
    {
        using var g = GuestWithTree();
        var kept = SnapshotCarryOver.Keep(g);
        using var moved = SnapshotCarryOver.Move(_a, g, kept, () => MoveTo(g, _b), _b.Uri);

        Assert.Equal(Expected, Tree(_b, moved));
        // Only the current one was redefined with Current: without it libvirt would not mark it.
        Assert.Equal(new[] { SnapshotCreateFlags.Redefine | SnapshotCreateFlags.Current },
            _b.SnapshotCalls.Where(f => f.HasFlag(SnapshotCreateFlags.Current)));
        Assert.Equal(4, _b.SnapshotCalls.Count);
        AssertNoSnapshots(g);
        Assert.True(g.IsPersistent);
        // and a revert works there
        var reverted = new SnapshotService(_b).Revert(moved, "c");
        Assert.True(reverted.IsCurrent);
    }

    [Fact]
    public void UndefineSource_is_done_once_the_snapshots_are_defined_there()
    {
        var g = GuestWithTree();
        MigrationRequest? asked = null;
        using var moved = GuestMigrator.RunWithSnapshots(_a, g, new MigrationRequest(_b.Uri, UndefineSource: true, Persistent: true),
            r => { asked = r; return MoveTo(g, _b); });
        // libvirt itself is not asked to undefine: the source's definition is where a failure puts the snapshots back.
        Assert.False(asked!.UndefineSource);
        Assert.True(GuestMigrator.Plan(asked).Flags.HasFlag(MigrateFlags.PersistDestination));
        Assert.Equal(Expected, Tree(_b, moved));
        Assert.Null(_a.FindDomain("carry"));
        g.Dispose();
    }

    [Fact]
    public void A_failed_migration_puts_every_snapshot_back_on_the_source()
    {
        using var g = GuestWithTree();
        _a.FailMigrate = true;
        var e = Assert.Throws<LibvirtException>(() => GuestMigrator.RunWithSnapshots(_a, g, new MigrationRequest(_b.Uri),
            r => g.Migrate(_b, new Dictionary<string, object>(), GuestMigrator.Plan(r).Flags)));
        Assert.Equal("virDomainMigrate3", e.Operation);
        Assert.Equal(Expected, Tree(_a, g));
        Assert.Null(_b.FindDomain("carry"));
    }

    [Fact]
    public void A_failed_redefinition_at_the_destination_puts_them_all_back_on_the_source_and_none_stays_there()
    {
        using var g = GuestWithTree();
        _b.FailRedefineAfter = 2;
        ILibvirtDomain? there = null;
        var e = Assert.Throws<VirtToolsException>(() => GuestMigrator.RunWithSnapshots(_a, g, new MigrationRequest(_b.Uri, UndefineSource: true),
            _ => there = MoveTo(g, _b)));
        Assert.Equal(SnapshotCarryOver.Ids.NotRedefined, e.ErrorId);
        Assert.Equal(FailureKind.InvalidOperation, e.Kind);
        Assert.Contains("injected failure", e.Message);
        Assert.Contains(_a.Uri, e.Message);
        Assert.Contains("Move-VMGuest", e.RecommendedAction);
        Assert.Equal(2, _b.SnapshotCalls.Count); // two were defined there, then the third failed
        using var b = _b.FindDomain("carry")!;
        AssertNoSnapshots(b);
        // The source keeps its definition (-UndefineSource waits for success) with the whole tree.
        Assert.Equal(Expected, Tree(_a, g));
        there?.Dispose();
    }

    [Fact]
    public void When_the_source_has_no_definition_left_the_error_carries_each_snapshots_XML()
    {
        using var g = GuestWithTree();
        _b.FailRedefineAfter = 0;
        var e = Assert.Throws<VirtToolsException>(() => SnapshotCarryOver.Move(_a, g, SnapshotCarryOver.Keep(g), () =>
        {
            var there = MoveTo(g, _b);
            g.Undefine(); // as a transient guest that moved live
            return there;
        }, _b.Uri));
        Assert.Equal(SnapshotCarryOver.Ids.NotRestored, e.ErrorId);
        var xml = Assert.IsAssignableFrom<IReadOnlyList<CarriedSnapshot>>(e.Target);
        Assert.Equal(new[] { "a", "b", "c", "d" }, xml.Select(s => s.Name).Order());
        Assert.Contains("snapshot-create", e.RecommendedAction);
    }

    private static MigrationSituation Situation(bool include, bool copy, bool offline) =>
        new(GuestReader.Definition(SnapshotRulesTests.Domain(devices: SnapshotRulesTests.Qcow2Disk)), !offline, 3, offline, copy,
            "aaaa", "bbbb", false, "qemu+ssh://vhs02/system") { IncludeSnapshots = include };

    [Fact]
    public void Preflight_without_IncludeSnapshots_advises_it_and_warns_that_removing_loses_data()
    {
        var e = MigrationPreflight.Check(Situation(include: false, copy: false, offline: true))!;
        Assert.Equal("MigrationWithSnapshots", e.ErrorId);
        Assert.Contains("-IncludeSnapshots", e.RecommendedAction);
        Assert.Contains("deletes their data", e.RecommendedAction);
        Assert.Null(MigrationPreflight.Check(Situation(include: true, copy: false, offline: true)));
    }

    [Fact]
    public void Preflight_refuses_IncludeSnapshots_with_CopyStorage_whose_copy_would_leave_them_behind()
    {
        var e = MigrationPreflight.Check(Situation(include: true, copy: true, offline: false))!;
        Assert.Equal("MigrationSnapshotsNotCopied", e.ErrorId);
        Assert.Equal(FailureKind.InvalidOperation, e.Kind);
        Assert.Contains("-Offline -IncludeSnapshots", e.RecommendedAction);
    }
}
