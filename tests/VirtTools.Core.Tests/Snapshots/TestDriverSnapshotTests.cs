using VirtTools.Libvirt;
using VirtTools.Migration;
using VirtTools.Snapshots;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Snapshots;

/// <summary>The snapshot service and the migrator's libvirt side on the test driver, in process.</summary>
[Collection(TestDriverCollection.Name)]
public class TestDriverSnapshotTests
{
    private static ILibvirtDomain Guest(ILibvirtConnection c, string name, string devices = SnapshotRulesTests.Qcow2Disk)
    {
        var d = c.DefineDomain($"<domain type='test'><name>{name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>" +
                               $"<os><type arch='i686'>hvm</type></os><devices>{devices}</devices></domain>");
        d.Start();
        return d;
    }

    private static void Cleanup(ILibvirtDomain d)
    {
        foreach (var s in d.ListSnapshots()) using (s) s.Delete(SnapshotDeleteFlags.Children);
        if (d.IsActive) d.Destroy();
        d.Undefine();
        d.Dispose();
    }

    [Fact]
    public void Create_list_tree_revert_and_delete_with_children()
    {
        using var c = LibvirtConnector.Open(LibvirtBindingTests.TestUri);
        var d = Guest(c, "snap-tree");
        try
        {
            var svc = new SnapshotService(c);
            var a = svc.Create(d, "a", "root");
            Assert.Equal(("a", "root", null, true, true, "running"), (a.Name, a.Description, a.Parent, a.IsCurrent, a.HasMemory, a.State));
            Assert.Equal("test:///default", a.ConnectionUri);
            svc.Create(d, "b", null);
            svc.Create(d, "c", null);
            svc.Revert(d, "a");
            svc.Create(d, "d", null);
            var all = svc.List(d);
            Assert.Equal(new[] { "a", "b", "c", "d" }, all.Select(s => s.Name).Order());
            Assert.Equal(new (string, string?)[] { ("a", null), ("b", "a"), ("c", "b"), ("d", "a") },
                all.OrderBy(s => s.Name).Select(s => (s.Name, s.Parent)));
            Assert.Equal("d", Assert.Single(all, s => s.IsCurrent).Name);
            // parents before children
            Assert.True(all.ToList().FindIndex(s => s.Name == "b") < all.ToList().FindIndex(s => s.Name == "c"));

            Assert.Equal("SnapshotExists", Assert.Throws<VirtToolsException>(() => svc.Create(d, "b", null)).ErrorId);
            Assert.Equal(new[] { "b", "c" }, svc.Subtree(d, "b"));

            svc.Delete(d, "b", includeChildren: true);
            Assert.Equal(new[] { "a", "d" }, svc.List(d).Select(s => s.Name).Order());
            // without children: the child is re-parented to the deleted one's parent
            svc.Delete(d, "a", includeChildren: false);
            var left = Assert.Single(svc.List(d));
            Assert.Equal(("d", null), (left.Name, left.Parent));
            Assert.Equal("SnapshotNotFound", Assert.Throws<VirtToolsException>(() => svc.Revert(d, "a")).ErrorId);
        }
        finally { Cleanup(d); }
    }

    [Fact]
    public void The_default_name_is_a_timestamp_and_refusals_come_before_libvirt()
    {
        using var c = LibvirtConnector.Open(LibvirtBindingTests.TestUri);
        var d = Guest(c, "snap-refuse", SnapshotRulesTests.RawDisk);
        try
        {
            var svc = new SnapshotService(c);
            Assert.Equal("SnapshotDiskNotQcow2", Assert.Throws<VirtToolsException>(() => svc.Create(d, "x", null)).ErrorId);
            Assert.Empty(d.ListSnapshots());
            Assert.Matches(@"^\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$", svc.DefaultName(d, DateTime.Now));
        }
        finally { Cleanup(d); }
    }

    [Fact]
    public void Migrator_surveys_both_ends_and_surfaces_libvirts_refusal()
    {
        using var c = LibvirtConnector.Open(LibvirtBindingTests.TestUri);
        var d = Guest(c, "mig-survey", "");
        try
        {
            using var snap = d.CreateSnapshot(SnapshotXml.Build("s", null));
            var r = new MigrationRequest("test:///default");
            var s = GuestMigrator.Survey(c, d, c, r);
            Assert.Equal((true, 1, true), (s.IsActive, s.SnapshotCount, s.NameDefinedAtDestination));
            // The test driver's capabilities carry no host UUID, so the same-host check (covered on real
            // daemons) cannot apply; the name found at the destination is what refuses here.
            Assert.Null(s.SourceHostUuid);
            Assert.Equal("MigrationNameTaken", MigrationPreflight.Check(s)?.ErrorId);

            // the test driver has no virDomainMigrate3: libvirt's own error comes through, the guest stays
            var e = Assert.Throws<LibvirtException>(() =>
                GuestMigrator.Run(d, c, r, _ => { }, CancellationToken.None, out _, c.Uri));
            Assert.True(e.Operation == "virDomainMigrate3", e.Operation + ": " + e.Message);
            Assert.True(d.IsActive);

            Assert.Equal("MigrationDestinationUnreachable", Assert.Throws<VirtToolsException>(() =>
                GuestMigrator.OpenDestination("qemu+unix:///system?socket=/nonexistent/s", LibvirtConnector.Open)).ErrorId);
        }
        finally { Cleanup(d); }
    }

    [Theory]
    [InlineData(false, null, 0L, false, "Live", "")]
    [InlineData(true, null, 0L, false, "Offline, PersistDestination", "")]
    [InlineData(false, "unix:///run/m.sock", 20L, true, "Live, NonSharedDisk", "bandwidth=20,disks_uri=unix:///run/m.sock.disks,migrate_uri=unix:///run/m.sock")]
    public void Plan_maps_the_switches_to_virsh_flags(bool offline, string? uri, long bw, bool copy, string flags, string parameters)
    {
        var (f, p) = GuestMigrator.Plan(new MigrationRequest("qemu+ssh://h/system", offline, uri, bw > 0 ? bw : null, copy));
        Assert.Equal(Enum.Parse<MigrateFlags>(flags), f);
        Assert.Equal(parameters, string.Join(",", p.OrderBy(x => x.Key).Select(x => $"{x.Key}={x.Value}")));
        var (pu, _) = GuestMigrator.Plan(new MigrationRequest("x", Persistent: true, UndefineSource: true));
        Assert.Equal(MigrateFlags.Live | MigrateFlags.PersistDestination | MigrateFlags.UndefineSource, pu);
    }
}
