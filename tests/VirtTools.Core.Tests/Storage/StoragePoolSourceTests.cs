using System.Xml.Linq;
using VirtTools.Guests;
using VirtTools.Host;
using VirtTools.Libvirt;
using VirtTools.Storage;
using VirtTools.Testing;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Storage;

/// <summary>
/// Logical and netfs pools on the test driver, with the block devices they are built on in a synthetic
/// host root: sdb blank, sdc with a mounted partition, sdd swap, sde a dm member, sda the root disk.
/// </summary>
[Collection(TestDriverCollection.Name)]
public sealed class StoragePoolSourceTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vt-poolsrc-" + Guid.NewGuid().ToString("N"));
    private readonly ILibvirtConnection _c = LibvirtConnector.Open(LibvirtBindingTests.TestUri);
    private readonly StoragePoolService _pools;

    public StoragePoolSourceTests()
    {
        var t = new SysfsTreeBuilder(_root);
        var n = 0;
        void Disk(string name, params string[] parts)
        {
            var dir = $"/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:{n}/0:0:{n}:0/block/{name}";
            t.File(dir + "/dev", $"8:{16 * n}\n").Link("/sys/class/block/" + name, dir).File("/dev/" + name, "");
            var i = 0;
            foreach (var p in parts)
            {
                t.File($"{dir}/{p}/dev", $"8:{16 * n + ++i}\n").File($"{dir}/{p}/partition", $"{i}\n").Link("/sys/class/block/" + p, $"{dir}/{p}").File("/dev/" + p, "");
            }
            t.EnsureDir(dir + "/holders");
            n++;
        }
        Disk("sda", "sda1", "sda2");
        Disk("sdb");
        Disk("sdc", "sdc1");
        Disk("sdd", "sdd1");
        Disk("sde");
        t.Link("/sys/class/block/sde/holders/dm-0", "/sys/devices/virtual/block/dm-0").File("/sys/devices/virtual/block/dm-0/dm/name", "vg0-data\n")
            .Link("/sys/class/block/dm-0", "/sys/devices/virtual/block/dm-0");
        t.Link("/dev/disk/by-id/ata-BLANK", "/dev/sdb");
        t.Proc("self/mountinfo",
            "22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw\n" +
            "40 22 8:33 / /srv/data\\040x rw,relatime shared:9 - xfs /dev/sdc1 rw\n");
        t.Proc("swaps", "Filename\tType\tSize\tUsed\tPriority\n/dev/sdd1 partition 1048572 0 -2\n");
        t.EnsureDir("/srv/nfs");
        var fs = new DiskFileSystem(_root);
        _pools = new StoragePoolService(_c, new HostContext(fs, new ModprobeLoader(fs, new SystemProcessRunner()), new SystemProcessRunner()));
    }

    public void Dispose()
    {
        foreach (var p in _c.ListStoragePools())
            using (p)
                if (p.Name.StartsWith("sps-", StringComparison.Ordinal)) { if (p.IsActive) p.Stop(); if (p.IsPersistent) p.Undefine(); }
        _c.Dispose();
        Directory.Delete(_root, true);
    }

    private static StoragePoolRequest Logical(string name, params string[] devices) => new(name, StoragePoolType.Logical) { SourceDevices = devices };

    private static StoragePoolRequest Nfs(string name, string server, string export, string path = "/srv/nfs/a") =>
        new(name, StoragePoolType.Netfs) { SourceHost = server, SourcePath = export, Path = path };

    [Fact]
    public void A_logical_pool_on_a_blank_device_is_built_as_its_volume_group()
    {
        var xml = _pools.Plan(Logical("sps-vg", "/dev/disk/by-id/ata-BLANK") with { VolumeGroup = "vmvg" });
        Assert.Equal("/dev/disk/by-id/ata-BLANK", (string?)xml.Element("source")!.Element("device")!.Attribute("path"));
        Assert.Equal(("vmvg", "lvm2", "/dev/vmvg"), ((string?)xml.Element("source")!.Element("name"), (string?)xml.Element("source")!.Element("format")!.Attribute("type"),
            (string?)xml.Element("target")!.Element("path")));
        var p = _pools.Create(xml, autostart: false);
        Assert.Equal(("logical", true, "vmvg", "/dev/vmvg"), (p.Type, p.Active, p.Source, p.Path));
        Assert.Equal(new[] { "/dev/disk/by-id/ata-BLANK" }, p.SourceDevices);
    }

    [Fact]
    public void A_logical_pool_without_devices_names_an_existing_group_and_defaults_to_the_pool_name()
    {
        var xml = _pools.Plan(Logical("sps-existing"));
        Assert.Empty(xml.Element("source")!.Elements("device"));
        Assert.Equal("sps-existing", (string?)xml.Element("source")!.Element("name"));
        Assert.True(_pools.Create(xml, autostart: true).Autostart);
    }

    [Theory]
    [InlineData("/dev/sda", StoragePoolService.Ids.DeviceInUse, "root file system")]
    [InlineData("/dev/sdc", StoragePoolService.Ids.DeviceInUse, "/srv/data x")]
    [InlineData("/dev/sdd", StoragePoolService.Ids.DeviceInUse, "swap")]
    [InlineData("/dev/sde", StoragePoolService.Ids.DeviceInUse, "dm-0 (vg0-data)")]
    [InlineData("/dev/sdz", StoragePoolService.Ids.DeviceNotFound, "not a block device")]
    [InlineData("/srv/nfs", StoragePoolService.Ids.InvalidSource, "under /dev")]
    [InlineData("/dev/../etc/passwd", StoragePoolService.Ids.InvalidSource, "under /dev")]
    [InlineData("/dev/sdb\n", StoragePoolService.Ids.InvalidSource, "under /dev")]
    public void A_device_the_host_uses_or_no_device_is_refused_before_libvirt_is_asked(string device, string id, string said)
    {
        var e = Assert.Throws<VirtToolsException>(() => _pools.Plan(Logical("sps-bad", device)));
        Assert.Equal(id, e.ErrorId);
        Assert.Contains(said, e.Message);
        Assert.Null(_c.FindStoragePool("sps-bad"));
    }

    [Fact]
    public void The_same_device_twice_and_a_volume_group_another_pool_has_are_refused()
    {
        Assert.Equal(StoragePoolService.Ids.InvalidSource,
            Assert.Throws<VirtToolsException>(() => _pools.Plan(Logical("sps-twice", "/dev/sdb", "/dev/disk/by-id/ata-BLANK"))).ErrorId);
        _pools.Create(_pools.Plan(Logical("sps-one") with { VolumeGroup = "shared" }), autostart: false);
        var e = Assert.Throws<VirtToolsException>(() => _pools.Plan(Logical("sps-two") with { VolumeGroup = "shared" }));
        Assert.Equal((StoragePoolService.Ids.PathInUse, "sps-one"), (e.ErrorId, e.RecommendedAction!.Split('\'')[1]));
    }

    [Theory]
    [InlineData("-vg")]
    [InlineData("vg/x")]
    [InlineData("..")]
    [InlineData("vg\n")]
    public void A_volume_group_name_lvm_would_refuse_is_refused(string vg) =>
        Assert.Equal(StoragePoolService.Ids.InvalidSource, Assert.Throws<VirtToolsException>(() => _pools.Plan(Logical("sps-vgname") with { VolumeGroup = vg })).ErrorId);

    [Fact]
    public void A_netfs_pool_mounts_the_export_on_its_path()
    {
        var xml = _pools.Plan(Nfs("sps-nfs", "nfs01.example.com", "/export/images/"));
        var src = xml.Element("source")!;
        Assert.Equal(("nfs01.example.com", "/export/images", "nfs", "/srv/nfs/a"),
            ((string?)src.Element("host")!.Attribute("name"), (string?)src.Element("dir")!.Attribute("path"), (string?)src.Element("format")!.Attribute("type"),
             (string?)xml.Element("target")!.Element("path")));
        var p = _pools.Create(xml, autostart: true);
        Assert.Equal(("netfs", "nfs01.example.com:/export/images", "/srv/nfs/a"), (p.Type, p.Source, p.Path));
    }

    [Fact]
    public void A_cifs_share_is_a_name_after_the_server()
    {
        var xml = _pools.Plan(Nfs("sps-cifs", "192.0.2.10", "/images") with { SourceFormat = NetworkFileSystemFormat.Cifs });
        Assert.Equal("images", (string?)xml.Element("source")!.Element("dir")!.Attribute("path"));
        Assert.Equal("//192.0.2.10/images", StoragePoolService.SourceText(xml.Element("source")));
    }

    [Theory]
    [InlineData("nfs 01", "/export", "/srv/nfs/a", StoragePoolService.Ids.InvalidSource)]
    [InlineData("nfs01;rm", "/export", "/srv/nfs/a", StoragePoolService.Ids.InvalidSource)]
    [InlineData("nfs01", "export", "/srv/nfs/a", StoragePoolService.Ids.InvalidSource)]
    [InlineData("nfs01", "/export/../etc", "/srv/nfs/a", StoragePoolService.Ids.InvalidSource)]
    [InlineData("nfs01", "/export", null, StoragePoolService.Ids.PathMissing)]
    [InlineData("nfs01", "/export", "relative", StoragePoolService.Ids.InvalidPath)]
    [InlineData("nfs01", "/export", "/proc/swaps", StoragePoolService.Ids.PathIsFile)]
    public void Bad_netfs_pools_are_refused_before_libvirt_is_asked(string server, string export, string? path, string id)
    {
        Assert.Equal(id, Assert.Throws<VirtToolsException>(() => _pools.Plan(Nfs("sps-badnfs", server, export, path!))).ErrorId);
        Assert.Null(_c.FindStoragePool("sps-badnfs"));
    }

    [Fact]
    public void One_export_in_two_pools_and_parameters_of_the_other_type_are_refused()
    {
        _pools.Create(_pools.Plan(Nfs("sps-first", "nfs01", "/export")), autostart: false);
        Assert.Equal(StoragePoolService.Ids.PathInUse, Assert.Throws<VirtToolsException>(() => _pools.Plan(Nfs("sps-second", "nfs01", "/export/", "/srv/nfs/b"))).ErrorId);
        Assert.Equal(StoragePoolService.Ids.InvalidSource, Assert.Throws<VirtToolsException>(() => _pools.Plan(Nfs("sps-mix", "nfs01", "/x") with { SourceDevices = new[] { "/dev/sdb" } })).ErrorId);
        Assert.Equal(StoragePoolService.Ids.InvalidSource, Assert.Throws<VirtToolsException>(() => _pools.Plan(Logical("sps-mix2") with { SourceHost = "nfs01" })).ErrorId);
        Assert.Equal(StoragePoolService.Ids.InvalidPath, Assert.Throws<VirtToolsException>(() => _pools.Plan(Logical("sps-mix3") with { Path = "/srv/x" })).ErrorId);
        Assert.Equal(StoragePoolService.Ids.PathMissing, Assert.Throws<VirtToolsException>(() => _pools.Plan(new StoragePoolRequest("sps-dir", StoragePoolType.Dir))).ErrorId);
    }

    [Fact]
    public void A_logical_pools_volumes_are_raw_and_a_qcow2_is_refused()
    {
        _pools.Create(_pools.Plan(Logical("sps-lv")), autostart: false);
        var vols = new StorageVolumeService(_c);
        using var p = vols.ActivePool("sps-lv");
        Assert.Equal("raw", (string?)vols.Plan(p, "lv0", 1L << 30, null).Element("target")!.Element("format")!.Attribute("type"));
        Assert.Equal(StorageVolumeService.Ids.FormatUnsupported, Assert.Throws<VirtToolsException>(() => vols.Plan(p, "lv1", 1L << 30, VolumeFormat.Qcow2)).ErrorId);
        using var dir = vols.ActivePool("default-pool");
        Assert.Equal("qcow2", (string?)vols.Plan(dir, "sps-x.qcow2", 1L << 30, null).Element("target")!.Element("format")!.Attribute("type"));
    }

    [Fact]
    public void New_VMGuest_puts_its_disk_in_a_logical_pool_as_a_raw_block_device()
    {
        _pools.Create(_pools.Plan(Logical("sps-guests")), autostart: false);
        var fs = new DiskFileSystem(_root);
        var creator = new GuestCreator(_c, new HostContext(fs, new ModprobeLoader(fs, new SystemProcessRunner()), new SystemProcessRunner()));
        var plan = creator.Plan(new GuestRequest { Name = "sps-guest", NewDiskSizeBytes = 1L << 30, StoragePool = "sps-guests", NoNetwork = true });
        Assert.Equal(("sps-guest", "raw", "/dev/sps-guests/sps-guest"), (plan.Volume!.Name, plan.Volume.Format, plan.Volume.Path));
        var disk = XDocument.Parse(plan.Xml).Root!.Element("devices")!.Elements("disk").First();
        Assert.Equal(("block", "raw", "/dev/sps-guests/sps-guest"), ((string?)disk.Attribute("type"), (string?)disk.Element("driver")!.Attribute("type"), (string?)disk.Element("source")!.Attribute("dev")));
    }
}
