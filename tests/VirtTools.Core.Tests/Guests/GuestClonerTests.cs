using System.Xml.Linq;
using VirtTools.Guests;
using VirtTools.Libvirt;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Guests;

[Collection(TestDriverCollection.Name)]
public sealed class GuestClonerTests : IDisposable
{
    private const string Pool = "default-pool";
    private readonly ILibvirtConnection _c = LibvirtConnector.Open(LibvirtBindingTests.TestUri);

    public void Dispose()
    {
        foreach (var d in _c.ListDomains())
            using (d)
                if (d.Name.StartsWith("gc-", StringComparison.Ordinal)) { if (d.IsActive) d.Destroy(); d.Undefine(); }
        using var p = _c.FindStoragePool(Pool)!;
        foreach (var v in p.ListVolumes())
            using (v)
                if (v.Name.StartsWith("gc-", StringComparison.Ordinal)) v.Delete();
        _c.Dispose();
    }

    /// <summary>A shut-off guest with a qcow2 volume, a raw volume, a DVD, a NIC with a fixed MAC, a serial log and UEFI NVRAM.</summary>
    private ILibvirtDomain Source(string name, string extraDisk = "")
    {
        using var p = _c.FindStoragePool(Pool)!;
        foreach (var (vol, fmt) in new[] { (name + ".qcow2", "qcow2"), (name + "-data.img", "raw") })
            p.CreateVolume(new XElement("volume", new XElement("name", vol), new XElement("capacity", 8L << 20),
                new XElement("target", new XElement("format", new XAttribute("type", fmt)))).ToString()).Dispose();
        return _c.DefineDomain($"""
            <domain type='kvm'><name>{name}</name>
              <memory unit='MiB'>128</memory><vcpu>1</vcpu>
              <os><type arch='x86_64' machine='pc'>hvm</type><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>
                <nvram template='/usr/share/OVMF/OVMF_VARS.fd'>/var/lib/libvirt/qemu/nvram/{name}_VARS.fd</nvram></os>
              <devices>
                <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/{Pool}/{name}.qcow2'/><target dev='vda' bus='virtio'/></disk>
                <disk type='volume' device='disk'><driver name='qemu' type='raw'/><source pool='{Pool}' volume='{name}-data.img'/><target dev='vdb' bus='virtio'/></disk>
                <disk type='file' device='cdrom'><source file='/iso/install.iso'/><target dev='sda' bus='sata'/><readonly/></disk>
                {extraDisk}
                <interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='default'/><model type='virtio'/></interface>
                <serial type='file'><source path='/var/log/vt/{name}.console'/><target port='0'/></serial>
              </devices></domain>
            """);
    }

    private static bool VolumeExists(ILibvirtConnection c, string name)
    {
        using var p = c.FindStoragePool(Pool)!;
        using var v = p.FindVolume(name);
        return v is not null;
    }

    [Fact]
    public void A_full_copy_has_a_new_name_uuid_mac_nvram_and_log_and_copies_every_writable_disk_with_its_format()
    {
        using var src = Source("gc-src");
        var cloner = new GuestCloner(_c);
        var plan = cloner.Plan("gc-src", "gc-copy", linked: false, storagePool: null, force: false);
        Assert.Equal(["vda", "vdb"], plan.Disks.Select(d => d.Target));
        Assert.Equal([$"/{Pool}/gc-copy.qcow2", $"/{Pool}/gc-copy-vdb.img"], plan.Disks.Select(d => d.NewPath));
        Assert.Equal(["qcow2", "raw"], plan.Disks.Select(d => d.SourceFormat));
        Assert.All(plan.Disks, d => Assert.False(d.Linked));
        Assert.Contains(plan.Shared, s => s.StartsWith("sda", StringComparison.Ordinal));
        Assert.Equal(("/var/lib/libvirt/qemu/nvram/gc-src_VARS.fd", "/var/lib/libvirt/qemu/nvram/gc-copy_VARS.fd"), plan.Nvram);

        using var clone = cloner.Create(plan, start: false);
        Assert.DoesNotContain(_c.ListStoragePools(), p => { using (p) return p.Name.StartsWith("virttools-nvram-", StringComparison.Ordinal); });
        var x = XDocument.Parse(clone.GetXml(DomainXmlFlags.Inactive)).Root!;
        Assert.Equal("gc-copy", (string?)x.Element("name"));
        Assert.NotEqual(src.Uuid, clone.Uuid);
        var mac = (string?)x.Element("devices")!.Element("interface")!.Element("mac")!.Attribute("address");
        Assert.StartsWith("52:54:00:", mac);
        Assert.NotEqual("52:54:00:aa:bb:cc", mac);
        Assert.Equal("/var/log/vt/gc-copy.console", (string?)x.Element("devices")!.Element("serial")!.Element("source")!.Attribute("path"));
        Assert.Equal("/var/lib/libvirt/qemu/nvram/gc-copy_VARS.fd", (string?)x.Element("os")!.Element("nvram"));
        var sources = x.Element("devices")!.Elements("disk").Select(d => (string?)d.Element("source")?.Attribute("file")).ToList();
        Assert.Equal([$"/{Pool}/gc-copy.qcow2", $"/{Pool}/gc-copy-vdb.img", "/iso/install.iso"], sources);
        Assert.True(VolumeExists(_c, "gc-copy.qcow2"));
        Assert.True(VolumeExists(_c, "gc-copy-vdb.img"));
        Assert.Empty(LinkedClones.DependentsOf(_c, src));
    }

    [Fact]
    public void The_sources_uefi_variables_are_copied_into_the_clones_own_store_and_one_in_the_way_is_refused()
    {
        // The NVRAM directory as a pool of its own: the store is then a volume the copy reads through the storage API.
        using var nv = _c.DefineStoragePool("<pool type='dir'><name>gc-nvram</name><target><path>/var/lib/libvirt/qemu/nvram</path></target></pool>");
        try
        {
            nv.Start();
            nv.CreateVolume("<volume><name>gc-uefi_VARS.fd</name><capacity>540672</capacity><target><format type='raw'/></target></volume>").Dispose();
            using var src = Source("gc-uefi");
            var cloner = new GuestCloner(_c);
            var plan = cloner.Plan("gc-uefi", "gc-uefi2", linked: false, storagePool: null, force: false);
            Assert.Contains("copy UEFI variables /var/lib/libvirt/qemu/nvram/gc-uefi_VARS.fd to /var/lib/libvirt/qemu/nvram/gc-uefi2_VARS.fd", plan.Describe());
            Assert.DoesNotContain(plan.Warnings, w => w.Contains("template", StringComparison.Ordinal));
            using (cloner.Create(plan, start: false)) { }
            using (var copy = nv.FindVolume("gc-uefi2_VARS.fd"))
                Assert.Equal(540672, copy!.CapacityBytes);

            nv.CreateVolume("<volume><name>gc-uefi3_VARS.fd</name><capacity>540672</capacity><target><format type='raw'/></target></volume>").Dispose();
            var e = Assert.Throws<VirtToolsException>(() => cloner.Plan("gc-uefi", "gc-uefi3", linked: false, storagePool: null, force: false));
            Assert.Equal("CloneDiskExists", e.ErrorId);
        }
        finally
        {
            foreach (var v in nv.ListVolumes()) using (v) v.Delete();
            nv.Stop();
            nv.Undefine();
        }
    }

    [Fact]
    public void A_linked_clone_makes_qcow2_overlays_backed_by_the_source_disks_and_records_them_so_the_base_is_protected()
    {
        using var src = Source("gc-base");
        var cloner = new GuestCloner(_c);
        var plan = cloner.Plan("gc-base", "gc-linked", linked: true, storagePool: null, force: false);
        Assert.All(plan.Disks, d => Assert.True(d.Linked));
        var vol = XElement.Parse(plan.Disks[1].Xml());
        Assert.Equal("qcow2", (string?)vol.Element("target")!.Element("format")!.Attribute("type"));
        Assert.Equal($"/{Pool}/gc-base-data.img", (string?)vol.Element("backingStore")!.Element("path"));
        Assert.Equal("raw", (string?)vol.Element("backingStore")!.Element("format")!.Attribute("type"));
        Assert.Equal($"/{Pool}/gc-linked-vdb.qcow2", plan.Disks[1].NewPath);
        Assert.Contains(plan.Warnings, w => w.Contains("becomes the base", StringComparison.Ordinal));

        using (cloner.Create(plan, start: false)) { }
        var dependents = LinkedClones.DependentsOf(_c, src);
        Assert.Equal(["gc-linked", "gc-linked"], dependents.Select(l => l.CloneName));
        Assert.Equal([$"/{Pool}/gc-base.qcow2", $"/{Pool}/gc-base-data.img"], dependents.Select(l => l.Base));

        var start = Assert.Throws<VirtToolsException>(() => GuestLifecycle.EnsureStartable(src, _c));
        Assert.Equal("LinkedCloneBase", start.ErrorId);
        Assert.Contains("'gc-linked'", start.Message);
        var remove = Assert.Throws<VirtToolsException>(() => GuestLifecycle.Remove(src, _c, force: false, removeStorage: true));
        Assert.Equal("LinkedCloneBase", remove.ErrorId);
        Assert.NotNull(_c.FindDomain("gc-base"));
        Assert.True(VolumeExists(_c, "gc-base.qcow2"));

        // The clone's own -RemoveStorage deletes its overlays only; then the base is free again.
        using (var clone = _c.FindDomain("gc-linked")!) GuestLifecycle.Remove(clone, _c, force: false, removeStorage: true);
        Assert.False(VolumeExists(_c, "gc-linked.qcow2"));
        Assert.True(VolumeExists(_c, "gc-base.qcow2"));
        GuestLifecycle.EnsureStartable(src, _c);
    }

    [Fact]
    public void Refusals_come_before_anything_is_created()
    {
        using var src = Source("gc-ref", "<disk type='block' device='disk'><source dev='/dev/sdz'/><target dev='vdc' bus='virtio'/></disk>");
        var cloner = new GuestCloner(_c);
        Assert.Equal("CloneDiskUnsupported", Assert.Throws<VirtToolsException>(() => cloner.Plan("gc-ref", "gc-x", false, null, false)).ErrorId);
        Assert.Equal("CloneNameInUse", Assert.Throws<VirtToolsException>(() => cloner.Plan("gc-ref", "test", false, null, false)).ErrorId);
        Assert.Equal("InvalidGuestName", Assert.Throws<VirtToolsException>(() => cloner.Plan("gc-ref", "gc-x\n", false, null, false)).ErrorId);
        Assert.Equal("GuestNotFound", Assert.Throws<VirtToolsException>(() => cloner.Plan("gc-none", "gc-x", false, null, false)).ErrorId);
        Assert.Equal("StoragePoolNotFound", Assert.Throws<VirtToolsException>(() => cloner.Plan("gc-ref", "gc-x", false, "no-pool", false)).ErrorId);
        // The test driver's own guest runs: a copy needs it paused or -Force, a linked clone needs it shut off.
        var running = Assert.Throws<VirtToolsException>(() => cloner.Plan("test", "gc-x", false, null, false));
        Assert.Equal("CloneSourceRunning", running.ErrorId);
        Assert.Contains("Suspend-VMGuest", running.RecommendedAction);
        Assert.Equal("CloneSourceRunning", Assert.Throws<VirtToolsException>(() => cloner.Plan("test", "gc-x", true, null, true)).ErrorId);
        Assert.Null(_c.FindDomain("gc-x"));
        Assert.False(VolumeExists(_c, "gc-x.qcow2"));
    }

    [Fact]
    public void A_disk_outside_any_pool_or_a_volume_name_in_use_is_refused()
    {
        using var src = Source("gc-out", "<disk type='file' device='disk'><source file='/elsewhere/x.qcow2'/><target dev='vdc' bus='virtio'/></disk>");
        var cloner = new GuestCloner(_c);
        var e = Assert.Throws<VirtToolsException>(() => cloner.Plan("gc-out", "gc-y", false, null, false));
        Assert.Equal("CloneDiskNotInPool", e.ErrorId);
        Assert.Contains("pool-define-as", e.RecommendedAction);

        using var plain = Source("gc-two");
        using (var p = _c.FindStoragePool(Pool)!)
            p.CreateVolume("<volume><name>gc-z.qcow2</name><capacity>1048576</capacity><target><format type='qcow2'/></target></volume>").Dispose();
        Assert.Equal("CloneDiskExists", Assert.Throws<VirtToolsException>(() => cloner.Plan("gc-two", "gc-z", false, null, false)).ErrorId);
    }

    [Fact]
    public void A_define_that_fails_half_way_deletes_the_volumes_already_made()
    {
        using var src = Source("gc-half");
        using var faulty = new FaultyConnection(LibvirtConnector.Open(LibvirtBindingTests.TestUri)) { FailDefine = true };
        var cloner = new GuestCloner(faulty);
        var plan = cloner.Plan("gc-half", "gc-half2", linked: false, storagePool: null, force: false);
        Assert.Throws<LibvirtException>(() => cloner.Create(plan, start: false));
        Assert.False(VolumeExists(_c, "gc-half2.qcow2"));
        Assert.False(VolumeExists(_c, "gc-half2-vdb.img"));
        Assert.Null(_c.FindDomain("gc-half2"));
    }
}
