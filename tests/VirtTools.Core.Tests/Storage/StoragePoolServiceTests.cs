using VirtTools.Host;
using VirtTools.Libvirt;
using VirtTools.Storage;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Storage;

/// <summary>
/// Get-/New-/Remove-VMStoragePool and the volume cmdlets' services on the test driver ('default-pool', a dir
/// pool at /default-pool), with host paths under a temporary root.
/// </summary>
[Collection(TestDriverCollection.Name)]
public sealed class StoragePoolServiceTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vt-pools-" + Guid.NewGuid().ToString("N"));
    private readonly ILibvirtConnection _c = LibvirtConnector.Open(LibvirtBindingTests.TestUri);
    private readonly StoragePoolService _pools;
    private readonly StorageVolumeService _vols;

    public StoragePoolServiceTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "srv/images"));
        File.WriteAllText(Path.Combine(_root, "srv/afile"), "not a directory");
        var fs = new DiskFileSystem(_root);
        _pools = new StoragePoolService(_c, new HostContext(fs, new ModprobeLoader(fs, new SystemProcessRunner()), new SystemProcessRunner()));
        _vols = new StorageVolumeService(_c);
    }

    public void Dispose()
    {
        foreach (var d in _c.ListDomains())
            using (d)
                if (d.Name.StartsWith("sp-", StringComparison.Ordinal)) { if (d.IsActive) d.Destroy(); d.Undefine(); }
        foreach (var p in _c.ListStoragePools())
            using (p)
                if (p.Name.StartsWith("sp-", StringComparison.Ordinal)) { if (p.IsActive) p.Stop(); if (p.IsPersistent) p.Undefine(); }
        using (var def = _c.FindStoragePool("default-pool")!)
            foreach (var v in def.ListVolumes())
                using (v)
                    if (v.Name.StartsWith("sp-", StringComparison.Ordinal)) v.Delete();
        _c.Dispose();
        Directory.Delete(_root, true);
    }

    private VMStoragePool NewPool(string name, string path) => _pools.Create(_pools.Plan(name, path), autostart: true);

    private void Guest(string name, string diskSource, bool start) =>
        Guest(name, $"<disk type='file' device='disk'><source file='{diskSource}'/><target dev='vda'/></disk>", start, raw: true);

    private void Guest(string name, string disks, bool start, bool raw)
    {
        using var d = _c.DefineDomain($"<domain type='test'><name>{name}</name><memory unit='MiB'>128</memory><os><type arch='i686'>hvm</type></os><devices>{disks}</devices></domain>");
        if (start) d.Start();
    }

    [Fact]
    public void The_test_drivers_pool_is_read_with_its_type_path_and_sizes()
    {
        using var p = _c.FindStoragePool("default-pool")!;
        var r = StoragePoolService.Read(p, _c.Uri);
        Assert.Equal(("default-pool", "dir", true, "/default-pool", 107374182400L), (r.Name, r.Type, r.Active, r.Path, r.CapacityBytes));
        Assert.Equal(r.CapacityBytes, r.AllocationBytes + r.AvailableBytes);
    }

    [Fact]
    public void A_dir_pool_is_defined_built_started_and_autostarted()
    {
        var r = NewPool("sp-new", "/srv/images/new/");
        Assert.Equal(("sp-new", "dir", true, true, true, "/srv/images/new"), (r.Name, r.Type, r.Active, r.Autostart, r.Persistent, r.Path));
    }

    [Theory]
    [InlineData("default-pool", "/srv/other", StoragePoolService.Ids.NameInUse)]
    [InlineData("sp-x", "/default-pool", StoragePoolService.Ids.PathInUse)]
    [InlineData("sp-x", "/default-pool/", StoragePoolService.Ids.PathInUse)]
    [InlineData("sp-x", "/srv/afile", StoragePoolService.Ids.PathIsFile)]
    [InlineData("sp-x", "srv/images", StoragePoolService.Ids.InvalidPath)]
    [InlineData("sp-x", "/srv/../etc", StoragePoolService.Ids.InvalidPath)]
    [InlineData("sp/x", "/srv/images", StoragePoolService.Ids.InvalidName)]
    [InlineData("..", "/srv/images", StoragePoolService.Ids.InvalidName)]
    [InlineData("sp\0x", "/srv/images", StoragePoolService.Ids.InvalidName)]
    public void Bad_pools_are_refused_before_libvirt_is_asked(string name, string path, string id)
    {
        var before = _c.ListStoragePools().Select(p => { using (p) return p.Name; }).OrderBy(n => n).ToList();
        Assert.Equal(id, Assert.Throws<VirtToolsException>(() => NewPool(name, path)).ErrorId);
        Assert.Equal(before, _c.ListStoragePools().Select(p => { using (p) return p.Name; }).OrderBy(n => n).ToList());
    }

    [Fact]
    public void Volumes_are_made_qcow2_or_raw_and_read_with_format_size_and_users()
    {
        NewPool("sp-vols", "/srv/images/vols");
        using var p = _vols.ActivePool("sp-vols");
        var q = _vols.Create(p, _vols.Plan(p, "sp-a.qcow2", 1L << 30, VolumeFormat.Qcow2));
        var r = _vols.Create(p, _vols.Plan(p, "sp-b.img", 64L << 20, VolumeFormat.Raw));
        Assert.Equal(("sp-vols", "sp-a.qcow2", "/srv/images/vols/sp-a.qcow2", "qcow2", 1L << 30), (q.StoragePool, q.Name, q.Path, q.Format, q.CapacityBytes));
        Assert.Equal(("raw", 64L << 20), (r.Format, r.CapacityBytes));
        Guest("sp-user", q.Path, start: false);
        using var v = p.FindVolume("sp-a.qcow2")!;
        Assert.Equal(new[] { "sp-user" }, StorageVolumeService.Read(v, "sp-vols", StorageUsers.Read(_c), _c.Uri).UsedBy);
    }

    [Theory]
    [InlineData("../escape.qcow2", 1L << 20, StorageVolumeService.Ids.InvalidName)]
    [InlineData("a/b.qcow2", 1L << 20, StorageVolumeService.Ids.InvalidName)]
    [InlineData("..", 1L << 20, StorageVolumeService.Ids.InvalidName)]
    [InlineData("a\0b", 1L << 20, StorageVolumeService.Ids.InvalidName)]
    [InlineData("sp-zero.qcow2", 0L, StorageVolumeService.Ids.InvalidSize)]
    public void Bad_volumes_are_refused_and_nothing_is_made(string name, long size, string id)
    {
        using var p = _vols.ActivePool("default-pool");
        var before = p.ListVolumes().Count;
        Assert.Equal(id, Assert.Throws<VirtToolsException>(() => _vols.Plan(p, name, size, VolumeFormat.Qcow2)).ErrorId);
        Assert.Equal(before, p.ListVolumes().Count);
    }

    [Fact]
    public void A_volume_name_in_use_and_a_missing_or_inactive_pool_are_refused()
    {
        using var p = _vols.ActivePool("default-pool");
        _vols.Create(p, _vols.Plan(p, "sp-dup.qcow2", 1L << 20, VolumeFormat.Qcow2));
        Assert.Equal(StorageVolumeService.Ids.NameInUse, Assert.Throws<VirtToolsException>(() => _vols.Plan(p, "sp-dup.qcow2", 1L << 20, VolumeFormat.Raw)).ErrorId);
        Assert.Equal(StoragePoolService.Ids.NotFound, Assert.Throws<VirtToolsException>(() => _vols.ActivePool("sp-none")).ErrorId);
        using (var idle = _c.DefineStoragePool("<pool type='dir'><name>sp-idle</name><target><path>/srv/idle</path></target></pool>")) { }
        Assert.Equal(StorageVolumeService.Ids.PoolNotActive, Assert.Throws<VirtToolsException>(() => _vols.ActivePool("sp-idle")).ErrorId);
    }

    [Fact]
    public void A_volume_a_guest_uses_is_not_deleted_and_the_guest_is_named_running_or_not()
    {
        using var p = _vols.ActivePool("default-pool");
        var a = _vols.Create(p, _vols.Plan(p, "sp-used.qcow2", 1L << 20, VolumeFormat.Qcow2));
        Guest("sp-run", $"<disk type='volume' device='disk'><source pool='default-pool' volume='sp-used.qcow2'/><target dev='vda'/></disk>", start: true, raw: true);
        using (var v = p.FindVolume("sp-used.qcow2")!)
        {
            var e = Assert.Throws<VirtToolsException>(() => _vols.Remove(p, v));
            Assert.Equal((StorageVolumeService.Ids.InUse, FailureKind.ResourceBusy), (e.ErrorId, e.Kind));
            Assert.Contains("'sp-run'", e.Message);
        }
        using (var still = p.FindVolume("sp-used.qcow2")) Assert.NotNull(still);
        using (var d = _c.FindDomain("sp-run")!) { d.Destroy(); d.Undefine(); }
        using (var v = p.FindVolume("sp-used.qcow2")!) _vols.Remove(p, v);
        using (var gone = p.FindVolume("sp-used.qcow2")) Assert.Null(gone);
        Assert.Equal("/default-pool/sp-used.qcow2", a.Path);
    }

    [Fact]
    public void A_pool_with_a_volume_a_guest_uses_is_not_removed_naming_volume_and_guest()
    {
        NewPool("sp-busy", "/srv/images/busy");
        using var p = _vols.ActivePool("sp-busy");
        var v = _vols.Create(p, _vols.Plan(p, "disk0.qcow2", 1L << 20, VolumeFormat.Qcow2));
        Guest("sp-owner", v.Path, start: false);
        var e = Assert.Throws<VirtToolsException>(() => _pools.Remove(p, deleteContents: true));
        Assert.Equal(StoragePoolService.Ids.InUse, e.ErrorId);
        Assert.Contains("disk0.qcow2 (guest 'sp-owner')", e.Message);
        Assert.True(p.IsActive);
        using (var still = p.FindVolume("disk0.qcow2")) Assert.NotNull(still);
    }

    [Fact]
    public void Remove_with_delete_contents_deletes_the_volumes_then_the_pool()
    {
        NewPool("sp-gone", "/srv/images/gone");
        using (var p = _vols.ActivePool("sp-gone"))
        {
            _vols.Create(p, _vols.Plan(p, "x.qcow2", 1L << 20, VolumeFormat.Qcow2));
            _pools.Remove(p, deleteContents: true);
        }
        using var left = _c.FindStoragePool("sp-gone");
        Assert.Null(left);
    }

    [Fact]
    public void Remove_of_an_inactive_pool_undefines_it()
    {
        using (var idle = _c.DefineStoragePool("<pool type='dir'><name>sp-off</name><target><path>/srv/off</path></target></pool>"))
            _pools.Remove(idle, deleteContents: false);
        using var left = _c.FindStoragePool("sp-off");
        Assert.Null(left);
    }
}
