using System.Xml.Linq;
using VirtTools.Guests;
using VirtTools.Host;
using VirtTools.Libvirt;
using VirtTools.Provisioning;
using VirtTools.Storage;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Provisioning;

/// <summary>New-VMGuest -BaseImage and -CloudInit, and Import-VMStorageVolume, on libvirt's test driver.</summary>
[Collection(TestDriverCollection.Name)]
public sealed class ProvisionCreatorTests : TestDriverPool
{
    public ProvisionCreatorTests() : base("vt-prov-") => Directory.CreateDirectory(Path.Combine(_root, "images"));

    /// <summary>A host file under the test root; returns its host path.</summary>
    private string HostFile(string name, byte[] data)
    {
        File.WriteAllBytes(Path.Combine(_root, "images", name), data);
        return "/images/" + name;
    }

    private static byte[] Qcow2Header(long virtualSize)
    {
        var h = new byte[4096];
        new byte[] { 0x51, 0x46, 0x49, 0xfb }.CopyTo(h, 0);
        h[7] = 3;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(h.AsSpan(24), (ulong)virtualSize);
        return h;
    }

    [Fact]
    public void A_qcow2_base_becomes_an_overlay_volume_with_a_backing_store_grown_to_the_new_size()
    {
        var basePath = HostFile("base.qcow2", Qcow2Header(8L << 20));
        var plan = Creator().Plan(new GuestRequest { Name = "pr-ov", BaseImage = basePath, NewDiskSizeBytes = 16L << 20, StoragePool = Pool, NoNetwork = true });
        var b = plan.BaseDisk!;
        Assert.Equal(("/default-pool/pr-ov.qcow2", "qcow2", 16L << 20), (b.Path, b.BaseFormat, b.CapacityBytes));
        var v = XElement.Parse(b.Xml());
        Assert.Equal(basePath, (string?)v.Element("backingStore")!.Element("path"));
        Assert.Equal("qcow2", (string?)v.Element("backingStore")!.Element("format")!.Attribute("type"));
        Assert.Equal("qcow2", (string?)v.Element("target")!.Element("format")!.Attribute("type"));
        var disk = XElement.Parse(plan.Xml).Element("devices")!.Elements("disk").Single();
        Assert.Equal("/default-pool/pr-ov.qcow2", (string?)disk.Element("source")!.Attribute("file"));
        Assert.Null(plan.Volume);
        Assert.Contains("overlay /default-pool/pr-ov.qcow2", plan.Describe());
        // Without a size the overlay has the base's.
        var same = Creator().Plan(new GuestRequest { Name = "pr-ov", BaseImage = basePath, StoragePool = Pool, NoNetwork = true });
        Assert.Equal(8L << 20, same.BaseDisk!.CapacityBytes);
    }

    [Fact]
    public void Created_overlay_is_deleted_by_remove_storage_and_the_base_volume_stays()
    {
        using (var p = _keep.FindStoragePool(Pool)!)
            p.CreateVolume("<volume><name>pr-base.qcow2</name><capacity>8388608</capacity><target><format type='qcow2'/></target></volume>").Dispose();
        var creator = Creator();
        var plan = creator.Plan(new GuestRequest { Name = "pr-rm", BaseImage = Pool + "/pr-base.qcow2", StoragePool = Pool, NoNetwork = true });
        Assert.Equal("/default-pool/pr-base.qcow2", plan.BaseDisk!.BasePath);
        using (var d = creator.Create(plan, start: false))
        {
            using var vol = _keep.FindStorageVolume("/default-pool/pr-rm.qcow2")!;
            Assert.Equal(["/default-pool/pr-base.qcow2"], GuestDiskReader.BackingChain(XElement.Parse(vol.GetXml())));
            var disks = GuestDiskReader.Read(XElement.Parse(d.GetXml(DomainXmlFlags.Inactive)), "pr-rm", _keep.Uri, false);
            BackingChainReader.FillFromVolumes(disks, _keep);
            Assert.Equal("/default-pool/pr-base.qcow2", disks.Single().BackingFile);
            GuestLifecycle.Remove(d, _keep, force: true, removeStorage: true);
        }
        Assert.Contains("pr-base.qcow2", Volumes());
        Assert.DoesNotContain("pr-rm.qcow2", Volumes());
        using (var p = _keep.FindStoragePool(Pool)!)
        using (var v = p.FindVolume("pr-base.qcow2")!) v.Delete();
    }

    [Fact]
    public void Cloud_init_adds_a_seed_cd_named_in_the_metadata_and_a_failed_upload_leaves_nothing_behind()
    {
        var basePath = HostFile("base.raw", new byte[1 << 20]);
        var creator = Creator();
        var plan = creator.Plan(new GuestRequest
        {
            Name = "pr-ci", BaseImage = basePath, NewDiskSizeBytes = 2L << 20, StoragePool = Pool, NoNetwork = true, CdromPath = null,
            CloudInit = new CloudInitRequest { UserName = "alice", SshPublicKeys = [CloudInitSeedTests.Key] },
        });
        Assert.Equal("/default-pool/pr-ci-cidata.iso", plan.Seed!.Path);
        Assert.Equal("raw", plan.BaseDisk!.BaseFormat);
        var x = XElement.Parse(plan.Xml);
        var cd = x.Element("devices")!.Elements("disk").Single(e => (string?)e.Attribute("device") == "cdrom");
        Assert.Equal(("/default-pool/pr-ci-cidata.iso", "sata"), ((string?)cd.Element("source")!.Attribute("file"), (string?)cd.Element("target")!.Attribute("bus")));
        Assert.NotNull(cd.Element("readonly"));
        Assert.Equal(["/default-pool/pr-ci-cidata.iso"], GuestProvisionMetadata.SeedPaths(plan.Xml));
        var before = Volumes();
        // The test driver has no upload stream: the seed's upload fails after the overlay and the seed volume exist.
        var e = Assert.Throws<LibvirtException>(() => creator.Create(plan, start: false));
        Assert.Contains("virStorageVolUpload", e.Message);
        Assert.Equal(before, Volumes());
        Assert.Null(_keep.FindDomain("pr-ci"));
    }

    [Theory]
    [InlineData("text", "BaseImageNotAnImage")]
    [InlineData("iso", "BaseImageNotAnImage")]
    [InlineData("empty", "BaseImageNotAnImage")]
    [InlineData("missing", "BaseImageNotFound")]
    [InlineData("nopool", "BaseImageNotFound")]
    [InlineData("novolume", "BaseImageNotFound")]
    [InlineData("relative", "InvalidBaseImage")]
    [InlineData("smaller", "DiskSmallerThanBaseImage")]
    [InlineData("copyfile", "BaseImageNotAVolume")]
    [InlineData("rawsize", "BaseImageSizeUnknown")]
    public void A_bad_base_image_is_an_error_and_nothing_is_made(string what, string id)
    {
        var iso = new byte[40 * 1024];
        "CD001"u8.ToArray().CopyTo(iso, 32769);
        var spec = what switch
        {
            "text" => HostFile("notes.txt", System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("hello world ", 100)))),
            "iso" => HostFile("disc.iso", iso),
            "empty" => HostFile("empty.img", []),
            "missing" => "/images/nope.qcow2",
            "nopool" => "nopool/x.qcow2",
            "novolume" => Pool + "/nope.qcow2",
            "relative" => "x.qcow2",
            "smaller" or "copyfile" => HostFile("b.qcow2", Qcow2Header(64L << 20)),
            _ => HostFile("b.raw", new byte[1 << 20]),
        };
        var before = Volumes();
        var e = Assert.Throws<VirtToolsException>(() => Creator().Plan(new GuestRequest
        {
            Name = "pr-bad", BaseImage = spec, StoragePool = Pool, NoNetwork = true, CopyBaseImage = what == "copyfile",
            NewDiskSizeBytes = what == "smaller" ? 16L << 20 : null,
        }));
        Assert.Equal(id, e.ErrorId);
        Assert.Contains("Nothing was created", e.Message);
        Assert.Equal(before, Volumes());
        Assert.Null(_keep.FindDomain("pr-bad"));
    }

    [Fact]
    public void Import_plans_refuse_a_name_in_use_and_a_failed_upload_deletes_the_volume()
    {
        var importer = new VolumeImporter(_keep);
        var head = Qcow2Header(32L << 20);
        var plan = importer.Plan(Pool, "pr-imp.qcow2", "/tmp/x.qcow2", head, 4096, null);
        Assert.Equal(("qcow2", 32L << 20, 4096L), (plan.Format, plan.CapacityBytes, plan.Length));
        Assert.Equal("VolumeFormatMismatch", Assert.Throws<VirtToolsException>(() => importer.Plan(Pool, "a", "/tmp/x", head, 4096, "raw")).ErrorId);
        Assert.Equal("StoragePoolNotFound", Assert.Throws<VirtToolsException>(() => importer.Plan("nopool", "a", "/tmp/x", head, 4096, null)).ErrorId);
        Assert.Equal("InvalidVolumeName", Assert.Throws<VirtToolsException>(() => importer.Plan(Pool, "a/b", "/tmp/x", head, 4096, null)).ErrorId);
        using (var p = _keep.FindStoragePool(Pool)!)
            p.CreateVolume("<volume><name>pr-taken</name><capacity>1048576</capacity></volume>").Dispose();
        var taken = Assert.Throws<VirtToolsException>(() => importer.Plan(Pool, "pr-taken", "/tmp/x", head, 4096, null));
        Assert.Equal(("StorageVolumeExists", FailureKind.ResourceExists), (taken.ErrorId, taken.Kind));
        var before = Volumes();
        Assert.Throws<LibvirtException>(() => importer.Import(plan, new MemoryStream(head), "/tmp/x.qcow2", null, CancellationToken.None));
        Assert.Equal(before, Volumes());
        using (var p = _keep.FindStoragePool(Pool)!)
        using (var v = p.FindVolume("pr-taken")!) v.Delete();
    }

    [Theory]
    [InlineData(new byte[] { 0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3 }, "qcow2")]
    [InlineData(new byte[] { 0, 0, 0, 0 }, "raw")]
    public void Import_probes_the_format(byte[] head, string format) => Assert.Equal(format, VolumeImporter.Probe(head));
}
