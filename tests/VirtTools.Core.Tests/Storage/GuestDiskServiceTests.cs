using System.Xml.Linq;
using VirtTools.Guests;
using VirtTools.Host;
using VirtTools.Libvirt;
using VirtTools.Storage;
using VirtTools.Tests.Guests;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Storage;

/// <summary>Add/Remove/Resize/media on libvirt's test driver: every offline path, each refusal, the undo of a half-done change.</summary>
[Collection(TestDriverCollection.Name)]
public sealed class GuestDiskServiceTests : IDisposable
{
    private const string Pool = "default-pool";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vt-disk-" + Guid.NewGuid().ToString("N"));
    private readonly ILibvirtConnection _keep = LibvirtConnector.Open(LibvirtBindingTests.TestUri);
    private readonly List<string> _guests = new();

    public GuestDiskServiceTests()
    {
        Directory.CreateDirectory(_root + "/img");
        File.WriteAllBytes(_root + "/img/data.qcow2", [(byte)'Q', (byte)'F', (byte)'I', 0xfb, 0, 0, 0, 3]);
        File.WriteAllBytes(_root + "/img/data.raw", new byte[512]);
        File.WriteAllBytes(_root + "/img/disc.iso", new byte[512]);
    }

    public void Dispose()
    {
        foreach (var g in _guests)
        {
            using var d = _keep.FindDomain(g);
            if (d is null) continue;
            try
            {
                if (d.IsPersistent) d.Undefine();
                if (d.IsActive) d.Destroy();
            }
            catch (LibvirtException) { } // a transient guest is gone once destroyed
        }
        using (var p = _keep.FindStoragePool(Pool)!)
            foreach (var v in p.ListVolumes())
                using (v)
                    if (v.Name.StartsWith("dk-", StringComparison.Ordinal)) v.Delete();
        _keep.Dispose();
        Directory.Delete(_root, true);
    }

    private GuestDiskService Service(ILibvirtConnection? c = null) => new(c ?? _keep, new DiskFileSystem(_root));

    private ILibvirtDomain Guest(string name, string devices = "", bool start = false)
    {
        _guests.Add(name);
        var d = _keep.DefineDomain($"""
            <domain type='kvm'><name>{name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type><boot dev='hd'/></os>
            <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/img/{name}.qcow2'/><target dev='vda' bus='virtio'/></disk>{devices}</devices></domain>
            """);
        if (start) d.Start();
        return d;
    }

    private static XElement Config(ILibvirtDomain d) => XDocument.Parse(d.GetXml(DomainXmlFlags.Inactive)).Root!;

    private static VirtToolsException Refused(string id, Action act)
    {
        var e = Assert.ThrowsAny<VirtToolsException>(act);
        Assert.Equal(id, e.ErrorId);
        Assert.False(string.IsNullOrEmpty(e.RecommendedAction), "a refusal says what to do");
        return e;
    }

    private static bool VolumeExists(ILibvirtConnection c, string name)
    {
        using var p = c.FindStoragePool(Pool)!;
        using var v = p.FindVolume(name);
        return v is not null;
    }

    [Fact]
    public void An_existing_image_goes_to_the_next_free_virtio_target_with_its_probed_format()
    {
        using var d = Guest("dk-add", "<disk type='file' device='disk'><source file='/img/x'/><target dev='vdc' bus='virtio'/></disk>");
        var change = Service().PlanAdd(d, new DiskAddRequest { Path = "/img/data.qcow2", ReadOnly = true, Shareable = true }, GuestChangeScope.LiveAndPersistent);
        Assert.Equal("vdb", change.Target);
        Assert.Empty(change.Plan.Warnings);
        change.Plan.Apply();
        var disk = GuestDiskReader.Read(Config(d), d.Name, "u", false).Single(x => x.Target == "vdb");
        Assert.Equal(("/img/data.qcow2", "qcow2", "virtio", true, true), (disk.Source, disk.Format, disk.Bus, disk.ReadOnly, disk.Shareable));
        var raw = Service().PlanAdd(d, new DiskAddRequest { Path = "/img/data.raw" }, GuestChangeScope.LiveAndPersistent);
        raw.Plan.Apply();
        Assert.Equal(("vdd", "raw"), (raw.Target, GuestDiskReader.Find(Config(d), "vdd")!.Element("driver")!.Attribute("type")!.Value));
    }

    [Fact]
    public void A_first_scsi_disk_brings_a_virtio_scsi_controller_and_sata_shares_sd_names()
    {
        using var d = Guest("dk-scsi");
        Service().PlanAdd(d, new DiskAddRequest { Path = "/img/data.raw", Bus = "scsi" }, GuestChangeScope.LiveAndPersistent).Plan.Apply();
        var x = Config(d);
        Assert.Equal("scsi", (string?)GuestDiskReader.Find(x, "sda")!.Element("target")!.Attribute("bus"));
        Assert.Contains(x.Element("devices")!.Elements("controller"), c => (string?)c.Attribute("type") == "scsi" && (string?)c.Attribute("model") == "virtio-scsi");
        var sata = Service().PlanAdd(d, new DiskAddRequest { Path = "/img/data.qcow2", Bus = "sata" }, GuestChangeScope.LiveAndPersistent);
        Assert.Equal("sdb", sata.Target);
    }

    [Fact]
    public void A_new_volume_is_created_in_the_pool_named_after_guest_and_target()
    {
        using var d = Guest("dk-new");
        var change = Service().PlanAdd(d, new DiskAddRequest { NewSizeBytes = 8L << 20, StoragePool = Pool }, GuestChangeScope.LiveAndPersistent);
        Assert.Contains("create volume dk-new-vdb.qcow2 (8 MiB)", change.Plan.Describe());
        Assert.False(VolumeExists(_keep, "dk-new-vdb.qcow2")); // planning changes nothing
        change.Plan.Apply();
        Assert.True(VolumeExists(_keep, "dk-new-vdb.qcow2"));
        Assert.Equal($"/{Pool}/dk-new-vdb.qcow2", GuestDiskReader.SourceText(GuestDiskReader.Find(Config(d), "vdb")!));
    }

    [Fact]
    public void A_definition_that_refuses_the_disk_deletes_the_volume_created_for_it()
    {
        var faulty = new FaultyConnection(LibvirtConnector.Open(LibvirtBindingTests.TestUri));
        using var _ = Guest("dk-undo");
        using var d = faulty.FindDomain("dk-undo")!;
        var change = Service(faulty).PlanAdd(d, new DiskAddRequest { NewSizeBytes = 4L << 20, StoragePool = Pool }, GuestChangeScope.LiveAndPersistent);
        faulty.FailDefine = true;
        var e = Refused(GuestDiskService.Ids.AttachRefused, change.Plan.Apply);
        Assert.Contains("were undone", e.Message);
        Assert.False(VolumeExists(_keep, "dk-undo-vdb.qcow2"));
        Assert.Null(GuestDiskReader.Find(Config(d), "vdb"));
    }

    [Fact]
    public void A_running_guest_that_refuses_the_hot_plug_keeps_neither_disk_nor_volume()
    {
        // The test driver has no device hot-plug: libvirt's refusal, with the volume made for it deleted again.
        using var d = Guest("dk-live", start: true);
        var change = Service().PlanAdd(d, new DiskAddRequest { NewSizeBytes = 4L << 20, StoragePool = Pool }, GuestChangeScope.LiveAndPersistent);
        Assert.Contains("hot-plug disk vdb", change.Plan.Describe());
        Assert.Contains("to the definition", change.Plan.Describe());
        var e = Refused(GuestDiskService.Ids.AttachRefused, change.Plan.Apply);
        Assert.Contains("not supported", e.Message);
        Assert.False(VolumeExists(_keep, "dk-live-vdb.qcow2"));
        Assert.Null(GuestDiskReader.Find(Config(d), "vdb"));
    }

    [Fact]
    public void A_definition_that_refuses_after_the_hot_plug_unplugs_the_disk_again()
    {
        var faulty = new FaultyConnection(LibvirtConnector.Open(LibvirtBindingTests.TestUri)) { SimulateHotplug = true };
        using var _ = Guest("dk-half", "<disk type='file' device='disk'><source file='/img/old'/><target dev='vdb' bus='virtio'/></disk>", start: true);
        using var d = faulty.FindDomain("dk-half")!;
        var before = d.GetXml(DomainXmlFlags.Inactive);
        var add = Service(faulty).PlanAdd(d, new DiskAddRequest { Path = "/img/data.raw" }, GuestChangeScope.LiveAndPersistent);
        var remove = Service(faulty).PlanRemove(d, "vdb", removeStorage: false, force: false, GuestChangeScope.LiveAndPersistent);
        faulty.FailDefine = true;
        var e = Refused(GuestDiskService.Ids.AttachRefused, add.Plan.Apply);
        Assert.Contains("were undone", e.Message);
        Assert.Equal(["attach Live vdc", "detach Live vdc"], faulty.DiskCalls);
        faulty.DiskCalls.Clear();
        Refused(GuestDiskService.Ids.DetachRefused, remove.Plan.Apply);
        Assert.Equal(["detach Live vdb", "attach Live vdb"], faulty.DiskCalls);
        Assert.Equal(before, d.GetXml(DomainXmlFlags.Inactive));
    }

    [Fact]
    public void Persistent_on_a_running_guest_changes_the_definition_and_warns_about_the_next_boot()
    {
        using var d = Guest("dk-pers", start: true);
        var change = Service().PlanAdd(d, new DiskAddRequest { Path = "/img/data.raw" }, GuestChangeScope.Persistent);
        Assert.Contains(change.Plan.Warnings, w => w.Contains("next boot"));
        change.Plan.Apply();
        Assert.NotNull(GuestDiskReader.Find(Config(d), "vdb"));
        Assert.Null(GuestDiskReader.Find(XDocument.Parse(d.GetXml()).Root!, "vdb"));
    }

    [Fact]
    public void Bad_add_requests_are_refused_before_any_call()
    {
        using var d = Guest("dk-bad", "<disk type='file' device='disk'><source file='/img/data.raw'/><target dev='vdb' bus='virtio'/></disk>");
        var s = Service();
        var both = GuestChangeScope.LiveAndPersistent;
        Refused(GuestDiskService.Ids.NoSource, () => s.PlanAdd(d, new DiskAddRequest(), both));
        Refused(GuestDiskService.Ids.NoSource, () => s.PlanAdd(d, new DiskAddRequest { Path = "/img/data.qcow2", NewSizeBytes = 1L << 30 }, both));
        Refused(GuestDiskService.Ids.InvalidSize, () => s.PlanAdd(d, new DiskAddRequest { NewSizeBytes = 4096, StoragePool = Pool }, both));
        Refused(GuestDiskService.Ids.PoolNotFound, () => s.PlanAdd(d, new DiskAddRequest { NewSizeBytes = 1L << 30, StoragePool = "nope" }, both));
        Refused("DiskNotFound", () => s.PlanAdd(d, new DiskAddRequest { Path = "/img/missing.qcow2" }, both));
        Refused(GuestDiskService.Ids.AlreadyAttached, () => s.PlanAdd(d, new DiskAddRequest { Path = "/img/data.raw" }, both));
        Refused(GuestDiskService.Ids.InvalidBus, () => s.PlanAdd(d, new DiskAddRequest { Path = "/img/data.qcow2", Bus = "floppy" }, both));
        Refused(GuestDiskService.Ids.NotRunning, () => s.PlanAdd(d, new DiskAddRequest { Path = "/img/data.qcow2" }, GuestChangeScope.Live));
        Assert.Equal(2, GuestDiskReader.Elements(Config(d)).Count());
    }

    [Fact]
    public void A_volume_name_in_use_is_refused_never_overwritten()
    {
        using var d = Guest("dk-exists");
        using (var p = _keep.FindStoragePool(Pool)!)
            p.CreateVolume("<volume><name>dk-exists-vdb.qcow2</name><capacity>1048576</capacity><target><format type='qcow2'/></target></volume>").Dispose();
        Refused(GuestDiskService.Ids.VolumeExists, () => Service().PlanAdd(d, new DiskAddRequest { NewSizeBytes = 1L << 20, StoragePool = Pool },
            GuestChangeScope.LiveAndPersistent));
    }

    [Fact]
    public void Remove_takes_the_disk_out_of_the_definition_and_with_RemoveStorage_deletes_its_volume()
    {
        using var d = Guest("dk-rm");
        Service().PlanAdd(d, new DiskAddRequest { NewSizeBytes = 1L << 20, StoragePool = Pool }, GuestChangeScope.LiveAndPersistent).Plan.Apply();
        var keep = Service().PlanRemove(d, "vdb", removeStorage: false, force: false, GuestChangeScope.LiveAndPersistent);
        Assert.Equal("remove disk vdb from the definition", keep.Plan.Describe());
        Service().PlanAdd(d, new DiskAddRequest { Path = "/img/data.raw" }, GuestChangeScope.LiveAndPersistent).Plan.Apply();
        var change = Service().PlanRemove(d, "vdb", removeStorage: true, force: false, GuestChangeScope.LiveAndPersistent);
        Assert.Contains("delete volume", change.Plan.Describe());
        change.Plan.Apply();
        Assert.Null(GuestDiskReader.Find(Config(d), "vdb"));
        Assert.False(VolumeExists(_keep, "dk-rm-vdb.qcow2"));
        // A file outside any pool stays, and the user is told.
        var file = Service().PlanRemove(d, "vdc", removeStorage: true, force: false, GuestChangeScope.LiveAndPersistent);
        Assert.Contains(file.Plan.Warnings, w => w.Contains("not a libvirt volume"));
        file.Plan.Apply();
        Assert.True(File.Exists(_root + "/img/data.raw"));
    }

    [Fact]
    public void Remove_refuses_a_missing_target_the_running_boot_disk_and_a_volume_another_guest_uses()
    {
        using var d = Guest("dk-boot", start: true);
        var s = Service();
        Refused(GuestDiskService.Ids.TargetNotFound, () => s.PlanRemove(d, "vdz", false, false, GuestChangeScope.LiveAndPersistent));
        Refused(GuestDiskService.Ids.BootDisk, () => s.PlanRemove(d, "vda", false, false, GuestChangeScope.Persistent));
        Assert.NotEmpty(s.PlanRemove(d, "vda", false, force: true, GuestChangeScope.Persistent).Plan.Steps);

        using var a = Guest("dk-share-a");
        s.PlanAdd(a, new DiskAddRequest { NewSizeBytes = 1L << 20, StoragePool = Pool }, GuestChangeScope.LiveAndPersistent).Plan.Apply();
        using var b = Guest("dk-share-b");
        s.PlanAdd(b, new DiskAddRequest { Path = $"/{Pool}/dk-share-a-vdb.qcow2" }, GuestChangeScope.LiveAndPersistent).Plan.Apply();
        Refused(GuestDiskService.Ids.InUseElsewhere, () => s.PlanRemove(a, "vdb", removeStorage: true, false, GuestChangeScope.LiveAndPersistent));
        // Giving a third guest the same image is allowed, with a warning (virt-install asks); read-only needs none.
        using var c = Guest("dk-share-c");
        var shared = s.PlanAdd(c, new DiskAddRequest { Path = $"/{Pool}/dk-share-a-vdb.qcow2" }, GuestChangeScope.LiveAndPersistent);
        Assert.Contains(shared.Plan.Warnings, w => w.Contains("also a disk of guest 'dk-share-") && w.Contains("-Shareable"));
        Assert.Empty(s.PlanAdd(c, new DiskAddRequest { Path = $"/{Pool}/dk-share-a-vdb.qcow2", ReadOnly = true }, GuestChangeScope.LiveAndPersistent).Plan.Warnings);
        Assert.True(VolumeExists(_keep, "dk-share-a-vdb.qcow2"));
    }

    [Fact]
    public void Resize_grows_through_the_volume_and_refuses_a_shrink()
    {
        using var d = Guest("dk-grow");
        Service().PlanAdd(d, new DiskAddRequest { NewSizeBytes = 2L << 20, StoragePool = Pool }, GuestChangeScope.LiveAndPersistent).Plan.Apply();
        var s = Service();
        var e = Refused(GuestDiskService.Ids.Shrink, () => s.PlanResize(d, "vdb", 1L << 20));
        Assert.Contains("2 MiB", e.Message);
        Assert.Contains(s.PlanResize(d, "vdb", 2L << 20).Plan.Warnings, w => w.Contains("already"));
        var grow = s.PlanResize(d, "vdb", 4L << 20);
        Assert.Equal("grow disk vdb from 2 MiB to 4 MiB through its volume", grow.Plan.Describe());
        // The test driver has no virStorageVolResize: libvirt's refusal under its own id.
        Refused(GuestDiskService.Ids.ResizeRefused, grow.Plan.Apply);
        Refused(GuestDiskService.Ids.NotInPool, () => s.PlanResize(d, "vda", 4L << 20));
        Refused(GuestDiskService.Ids.InvalidSize, () => s.PlanResize(d, "vdb", 0));
        Refused(GuestDiskService.Ids.TargetNotFound, () => s.PlanResize(d, "vdq", 4L << 20));
    }

    [Fact]
    public void Resize_of_a_running_guest_reads_the_block_size_and_grows_through_block_resize()
    {
        var faulty = new FaultyConnection(LibvirtConnector.Open(LibvirtBindingTests.TestUri));
        using var _ = Guest("dk-growlive", start: true);
        using var d = faulty.FindDomain("dk-growlive")!;
        var s = Service(faulty);
        var size = d.GetBlockInfo("vda").CapacityBytes;
        Refused(GuestDiskService.Ids.Shrink, () => s.PlanResize(d, "vda", size - (1L << 20)));
        var grow = s.PlanResize(d, "vda", size + (1L << 30));
        Assert.EndsWith("in the running instance", grow.Plan.Describe());
        // The test driver has no virDomainBlockResize: the call is made, and its refusal has its id.
        Refused(GuestDiskService.Ids.ResizeRefused, grow.Plan.Apply);
        Assert.Equal([$"blockresize vda {size + (1L << 30)}"], faulty.DiskCalls);
    }

    [Fact]
    public void A_dvd_drive_gets_and_loses_its_medium_in_the_definition()
    {
        using var d = Guest("dk-dvd", "<disk type='file' device='cdrom'><target dev='sda' bus='sata'/><readonly/></disk>");
        var s = Service();
        var insert = s.PlanMedia(d, null, "/img/disc.iso", false, GuestChangeScope.LiveAndPersistent);
        Assert.Equal("sda", insert.Target);
        insert.Plan.Apply();
        Assert.Equal("/img/disc.iso", GuestDiskReader.SourceText(GuestDiskReader.Find(Config(d), "sda")!));
        s.PlanMedia(d, "sda", null, false, GuestChangeScope.LiveAndPersistent).Plan.Apply();
        Assert.Null(GuestDiskReader.SourceText(GuestDiskReader.Find(Config(d), "sda")!));
        Assert.NotNull(GuestDiskReader.Find(Config(d), "sda")!.Element("readonly"));
    }

    [Fact]
    public void Media_refusals_name_what_is_missing()
    {
        using var d = Guest("dk-nodvd");
        Refused(GuestDiskService.Ids.NoDvdDrive, () => Service().PlanMedia(d, null, "/img/disc.iso", false, GuestChangeScope.LiveAndPersistent));
        Refused(GuestDiskService.Ids.NoDvdDrive, () => Service().PlanMedia(d, "vda", null, false, GuestChangeScope.LiveAndPersistent));
        using var dvd = Guest("dk-dvd2", "<disk type='file' device='cdrom'><target dev='sda' bus='sata'/><readonly/></disk>");
        Refused("CdromNotFound", () => Service().PlanMedia(dvd, null, "/img/none.iso", false, GuestChangeScope.LiveAndPersistent));
        Refused(GuestDiskService.Ids.NotResizable, () => Service().PlanResize(dvd, "sda", 1L << 30));
    }

    [Fact]
    public void A_transient_guest_has_no_definition_for_Persistent()
    {
        using var d = Guest("dk-transient", start: true);
        d.Undefine(); // still running, no longer defined
        Refused(GuestDiskService.Ids.NotPersistent, () => Service().PlanAdd(d, new DiskAddRequest { Path = "/img/data.raw" }, GuestChangeScope.Persistent));
    }
}
