using VirtTools.Guests;
using VirtTools.Migration;
using VirtTools.Snapshots;

namespace VirtTools.Tests.Snapshots;

public class SnapshotRulesTests
{
    internal static string Domain(string type = "kvm", string devices = "", string os = "<os><type>hvm</type></os>") =>
        $"<domain type='{type}'><name>g1</name>{os}<devices>{devices}</devices></domain>";

    internal const string Qcow2Disk = "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/g1.qcow2'/><target dev='vda' bus='virtio'/></disk>";
    internal const string RawDisk = "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/var/lib/libvirt/images/g1.img'/><target dev='vdb' bus='virtio'/></disk>";
    internal const string Cdrom = "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='/iso/sles.iso'/><target dev='sda' bus='sata'/><readonly/></disk>";
    internal const string Hostdev = "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x03' slot='0x00' function='0x1'/></source></hostdev>";
    internal const string NetDisk = "<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='rbd' name='pool/g1'/><target dev='vdc' bus='virtio'/></disk>";

    [Fact]
    public void Facts_read_hostdevs_disks_and_pflash()
    {
        var f = GuestReader.Definition(Domain(devices: Qcow2Disk + RawDisk + Cdrom + Hostdev + NetDisk,
            os: "<os firmware='efi'><type>hvm</type></os>"));
        Assert.Equal("g1", f.Name);
        Assert.Equal(new[] { "0000:03:00.1" }, f.PciHostDevices.Select(a => a.ToString()));
        Assert.True(f.UsesPflash);
        Assert.Equal(4, f.Disks.Count);
        Assert.True(f.Disks[0].IsLocal);
        Assert.False(f.Disks[3].IsLocal);
        // a network disk as protocol://host/name (issue 17): here libvirt's default host, so none
        Assert.Equal("rbd:///pool/g1", f.Disks[3].Source);
        // what VMGuest.Disks shows and what -RemoveStorage may delete, from the same reading
        var vol = "<disk type='volume' device='disk'><driver name='qemu' type='qcow2'/><source pool='default' volume='v1.qcow2'/><target dev='vdd'/></disk>";
        var g = GuestReader.Definition(Domain(devices: Qcow2Disk + Cdrom + NetDisk + vol));
        Assert.Equal(new[] { "/var/lib/libvirt/images/g1.qcow2", "/iso/sles.iso", "rbd:///pool/g1", "default/v1.qcow2" }, g.DiskSources);
        Assert.Equal(new[] { "/var/lib/libvirt/images/g1.qcow2" }, g.OwnedDiskSources);
        Assert.Equal(("default", true), (g.Disks[3].Pool, g.Disks[3].IsLocal));
        // virt-install writes decimal addresses
        var dec = GuestReader.Definition(Domain(devices: "<hostdev mode='subsystem' type='pci'><source><address domain='0' bus='10' slot='0' function='0'/></source></hostdev>"));
        Assert.Equal("0000:0a:00.0", dec.PciHostDevices[0].ToString());
    }

    [Fact]
    public void A_qcow2_kvm_guest_passes()
    {
        Assert.Null(SnapshotPreflight.Check(GuestReader.Definition(Domain(devices: Qcow2Disk + Cdrom)), true, 9_000_000));
    }

    [Fact]
    public void Xen_is_refused()
    {
        var e = SnapshotPreflight.Check(GuestReader.Definition(Domain(type: "xen")), false, 9_000_000);
        Assert.Equal("SnapshotXenUnsupported", e?.ErrorId);
        Assert.Contains("libxl", e!.Message);
    }

    [Fact]
    public void Hostdev_is_refused_only_while_running()
    {
        var f = GuestReader.Definition(Domain(devices: Qcow2Disk + Hostdev));
        Assert.Equal("SnapshotWithHostDevice", SnapshotPreflight.Check(f, true, 9_000_000)?.ErrorId);
        Assert.Null(SnapshotPreflight.Check(f, false, 9_000_000));
    }

    [Theory]
    [InlineData(9_000_000UL, false)]
    [InlineData(9_002_000UL, true)]
    [InlineData(10_008_000UL, true)]
    [InlineData(10_009_000UL, false)]
    public void Uefi_is_refused_by_the_libvirt_versions_that_refuse_it(ulong version, bool refused)
    {
        var f = GuestReader.Definition(Domain(devices: Qcow2Disk,
            os: "<os><type>hvm</type><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader></os>"));
        var e = SnapshotPreflight.Check(f, false, version);
        Assert.Equal(refused ? "SnapshotUefiUnsupported" : null, e?.ErrorId);
        if (refused) Assert.Contains(SnapshotPreflight.FormatVersion(version), e!.Message);
    }

    [Fact]
    public void Raw_disks_are_refused_with_the_conversion()
    {
        var e = SnapshotPreflight.Check(GuestReader.Definition(Domain(devices: Qcow2Disk + RawDisk)), false, 9_000_000);
        Assert.Equal("SnapshotDiskNotQcow2", e?.ErrorId);
        Assert.Contains("vdb", e!.Message);
        Assert.Contains("qemu-img convert", e.RecommendedAction);
    }

    [Fact]
    public void Snapshot_xml_round_trips()
    {
        var xml = SnapshotXml.Build("before <upgrade>", "kernel & glibc");
        Assert.Contains("&lt;upgrade&gt;", xml);
        var libvirt = "<domainsnapshot><name>s2</name><description>d</description><state>running</state>" +
                      "<parent><name>s1</name></parent><creationTime>1764590400</creationTime><memory snapshot='internal'/>" +
                      "<disks><disk name='vda' snapshot='internal'/></disks><domain type='kvm'><name>g1</name></domain></domainsnapshot>";
        var s = SnapshotXml.Parse(libvirt, "g1", true, "test:///default");
        Assert.Equal(("g1", "s2", "d", "running", "s1", true, true, "internal"), (s.Guest, s.Name, s.Description, s.State, s.Parent, s.IsCurrent, s.HasMemory, s.Location));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1764590400).LocalDateTime, s.CreationTime);
        var off = SnapshotXml.Parse("<domainsnapshot><name>s0</name><state>shutoff</state><creationTime>1</creationTime><memory snapshot='no'/></domainsnapshot>", "g1", false, "u");
        Assert.False(off.HasMemory);
        Assert.Null(off.Parent);
    }

    [Fact]
    public void Default_names_do_not_collide()
    {
        var taken = new HashSet<string> { "2026-12-01_12-30-05", "2026-12-01_12-30-05-2" };
        Assert.Equal("2026-12-01_12-30-05-3", SnapshotXml.DefaultName(new DateTime(2026, 12, 1, 12, 30, 5), taken.Contains));
    }
}

public class MigrationRulesTests
{
    private static MigrationSituation S(string devices = "", bool active = true, int snapshots = 0, bool offline = false,
        bool copy = false, string? dstUuid = "bbbb", bool taken = false) =>
        new(GuestReader.Definition(SnapshotRulesTests.Domain(devices: devices)), active, snapshots, offline, copy, "aaaa", dstUuid, taken, "qemu+ssh://vhs02/system");

    [Fact]
    public void A_diskless_running_guest_passes() => Assert.Null(MigrationPreflight.Check(S()));

    [Fact]
    public void Network_disks_and_cdroms_are_not_local() => Assert.Null(MigrationPreflight.Check(S(SnapshotRulesTests.NetDisk + SnapshotRulesTests.Cdrom)));

    [Theory]
    [InlineData("hostdev", "MigrationWithHostDevice")]
    [InlineData("snapshots", "MigrationWithSnapshots")]
    [InlineData("localdisk", "MigrationLocalDisks")]
    [InlineData("sameuuid", "MigrationSameHostUuid")]
    [InlineData("taken", "MigrationNameTaken")]
    [InlineData("offline-running", "MigrationOfflineGuestRunning")]
    [InlineData("live-stopped", "MigrationGuestNotRunning")]
    public void Each_refusal_has_its_id_and_a_fix(string what, string id)
    {
        var s = what switch
        {
            "hostdev" => S(SnapshotRulesTests.Hostdev),
            "snapshots" => S(snapshots: 2),
            "localdisk" => S(SnapshotRulesTests.Qcow2Disk),
            "sameuuid" => S(dstUuid: "AAAA"),
            "taken" => S(taken: true),
            "offline-running" => S(offline: true),
            _ => S(active: false),
        };
        var e = MigrationPreflight.Check(s);
        Assert.Equal(id, e?.ErrorId);
        Assert.False(string.IsNullOrWhiteSpace(e!.RecommendedAction));
        Assert.Equal("g1", e.Target);
    }

    [Fact]
    public void CopyStorage_lifts_the_local_disk_refusal() => Assert.Null(MigrationPreflight.Check(S(SnapshotRulesTests.Qcow2Disk, copy: true)));

    [Fact]
    public void CopyStorage_refuses_an_inactive_destination_pool_and_a_smaller_image()
    {
        var def = GuestReader.Definition(SnapshotRulesTests.Domain(devices: SnapshotRulesTests.Qcow2Disk));
        var disk = MigrationPreflight.CopiedDisks(def).Single();
        MigrationSituation With(DestinationDisk d) => S(SnapshotRulesTests.Qcow2Disk, copy: true) with { DestinationDisks = new[] { d } };

        var inactive = MigrationPreflight.Check(With(new(disk, DestinationDiskState.PoolInactive, "images", null, null)));
        Assert.Equal("MigrationDestinationPoolInactive", inactive?.ErrorId);
        Assert.Contains("pool-start images", inactive!.RecommendedAction);
        var small = MigrationPreflight.Check(With(new(disk, DestinationDiskState.Exists, "default", 20L << 30, 10L << 30)));
        Assert.Equal("MigrationDestinationDiskTooSmall", small?.ErrorId);
        Assert.Contains("qemu-img resize /var/lib/libvirt/images/g1.qcow2", small!.RecommendedAction);
        Assert.Null(MigrationPreflight.Check(With(new(disk, DestinationDiskState.Exists, "default", 20L << 30, 20L << 30))));
        Assert.Null(MigrationPreflight.Check(With(new(disk, DestinationDiskState.PoolCreates, "default", 20L << 30, null))));
        Assert.Null(MigrationPreflight.Check(With(new(disk, DestinationDiskState.Unknown, null, null, null))));
    }

    [Fact]
    public void A_missing_destination_image_says_what_to_create()
    {
        var def = GuestReader.Definition(SnapshotRulesTests.Domain(devices: SnapshotRulesTests.Qcow2Disk + SnapshotRulesTests.Cdrom));
        var e = MigrationPreflight.DestinationDiskMissing("g1", MigrationPreflight.CopiedDisks(def), "qemu+ssh://vhs02/system", new Exception("inner"));
        Assert.Equal(("MigrationDestinationDiskMissing", FailureKind.ObjectNotFound), (e.ErrorId, e.Kind));
        Assert.Contains("/var/lib/libvirt/images/g1.qcow2", e.Message);
        Assert.DoesNotContain("sles.iso", e.Message);
        Assert.Contains("--target /var/lib/libvirt/images", e.RecommendedAction);
    }

    [Theory]
    [InlineData(true, false, true, true)]    // -UndefineSource of a persistent guest keeps it persistent there
    [InlineData(true, false, false, false)]  // a transient guest has no definition to lose
    [InlineData(false, false, true, false)]  // the source keeps its definition
    [InlineData(true, true, true, true)]
    public void UndefineSource_never_drops_the_only_definition(bool undefine, bool persistent, bool sourcePersistent, bool expected) =>
        Assert.Equal(expected, GuestMigrator.KeepDefinition(new MigrationRequest("u", UndefineSource: undefine, Persistent: persistent), sourcePersistent).Persistent);

    [Fact]
    public void Offline_moves_ignore_disks_and_hostdevs() =>
        Assert.Null(MigrationPreflight.Check(S(SnapshotRulesTests.Qcow2Disk + SnapshotRulesTests.Hostdev, active: false, offline: true)));

    [Fact]
    public void Progress_from_job_statistics()
    {
        var p = MigrationProgress.FromStatistics(new Dictionary<string, object>
        {
            ["time_elapsed"] = 1500UL, ["data_total"] = 200UL * 1048576, ["data_processed"] = 60UL * 1048576,
            ["data_remaining"] = 150UL * 1048576, ["memory_iteration"] = 2UL, ["memory_dirty_rate"] = 256UL,
            ["memory_page_size"] = 4096UL, ["memory_bps"] = 20UL * 1048576, ["downtime"] = 300L,
        });
        Assert.Equal(25, p.PercentComplete);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), p.Elapsed);
        Assert.Equal(1048576, p.DirtyRateBytesPerSecond);
        Assert.Equal("60.0 of 200.0 MiB sent, 150.0 MiB left, pass 2, 20.0 MiB/s, dirtying 1.0 MiB/s, expected downtime 300 ms", p.Describe());
        var empty = MigrationProgress.FromStatistics(new Dictionary<string, object>());
        Assert.Equal(-1, empty.PercentComplete);
        Assert.Equal("starting", empty.Describe());
    }
}
