using System.Xml.Linq;
using VirtTools.Guests;
using VirtTools.Storage;

namespace VirtTools.Tests.Storage;

public sealed class GuestDiskReaderTests
{
    private static XElement Domain(string devices, string os = "<os><type>hvm</type></os>") =>
        XElement.Parse($"<domain type='kvm'><name>g</name>{os}<devices>{devices}</devices></domain>");

    private const string Everything = """
        <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/img/a.qcow2'/><target dev='vda' bus='virtio'/></disk>
        <disk type='block' device='disk'><driver name='qemu' type='raw'/><source dev='/dev/sdb'/><target dev='vdb' bus='virtio'/><shareable/></disk>
        <disk type='volume' device='disk'><source pool='default' volume='data.qcow2'/><target dev='sda' bus='scsi'/></disk>
        <disk type='network' device='disk'><source protocol='rbd' name='rbdpool/image'><host name='mon1' port='6789'/></source><target dev='vdc' bus='virtio'/></disk>
        <disk type='network' device='disk'><source protocol='nbd' name='export'><host transport='unix' socket='/run/nbd.sock'/></source><target dev='vdd' bus='virtio'/></disk>
        <disk type='nvme' device='disk'><source type='pci' managed='yes' namespace='2'><address domain='0x0000' bus='0x04' slot='0x00' function='0x0'/></source><target dev='vde' bus='virtio'/></disk>
        <disk type='vhostuser' device='disk'><driver name='qemu' type='raw'/><source type='unix' path='/run/vhost-blk.sock'/><target dev='vdf' bus='virtio'/></disk>
        <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><target dev='sdb' bus='sata'/><readonly/></disk>
        """;

    [Fact]
    public void Every_kind_of_disk_has_its_source_as_one_string()
    {
        var disks = GuestDiskReader.Read(Domain(Everything), "g", "test:///default", live: false);
        Assert.Equal(["vda", "vdb", "sda", "vdc", "vdd", "vde", "vdf", "sdb"], disks.Select(d => d.Target));
        Assert.Equal(["/img/a.qcow2", "/dev/sdb", "default/data.qcow2", "rbd://mon1:6789/rbdpool/image", "nbd:///run/nbd.sock/export",
            "nvme://0000:04:00.0/2", "/run/vhost-blk.sock", null], disks.Select(d => d.Source));
        Assert.Equal(["file", "block", "volume", "network", "network", "nvme", "vhostuser", "file"], disks.Select(d => d.SourceType));
        Assert.Equal("default", disks[2].Pool);
        Assert.Null(disks[0].Pool);
        Assert.Equal("qcow2", disks[0].Format);
        Assert.True(disks[1].Shareable);
        Assert.False(disks[1].ReadOnly);
        Assert.True(disks[7].ReadOnly);
        Assert.Equal("cdrom", disks[7].Device);
        Assert.Equal("sata", disks[7].Bus);
        Assert.All(disks, d => Assert.Equal(("g", "test:///default", false), (d.GuestName, d.ConnectionUri, d.Live)));
    }

    [Fact]
    public void Get_VMGuest_lists_every_disk_including_network_nvme_and_vhost_user()
    {
        var def = GuestReader.Definition(Domain(Everything));
        Assert.Equal(["/img/a.qcow2", "/dev/sdb", "default/data.qcow2", "rbd://mon1:6789/rbdpool/image", "nbd:///run/nbd.sock/export",
            "nvme://0000:04:00.0/2", "/run/vhost-blk.sock"], def.DiskSources);
        // Remove-VMGuest -RemoveStorage looks only at files and block devices.
        Assert.Equal(["/img/a.qcow2", "/dev/sdb"], def.OwnedDiskSources);
    }

    [Fact]
    public void The_boot_disk_is_the_lowest_boot_order()
    {
        var x = Domain("""
            <disk type='file' device='disk'><source file='/a'/><target dev='vda' bus='virtio'/><boot order='2'/></disk>
            <disk type='file' device='disk'><source file='/b'/><target dev='vdb' bus='virtio'/><boot order='1'/></disk>
            """);
        Assert.Equal("vdb", GuestDiskReader.BootTarget(x));
        var disks = GuestDiskReader.Read(x, "g", "u", true);
        Assert.Equal([2, 1], disks.Select(d => d.BootOrder!.Value));
        Assert.Equal([false, true], disks.Select(d => d.IsBootDisk));
    }

    [Fact]
    public void Without_boot_orders_the_first_disk_boots_when_the_os_boots_from_hd_or_names_nothing_and_no_kernel()
    {
        const string disks = """
            <disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>
            <disk type='file' device='disk'><source file='/a'/><target dev='vda' bus='virtio'/></disk>
            """;
        Assert.Equal("vda", GuestDiskReader.BootTarget(Domain(disks)));
        Assert.Equal("vda", GuestDiskReader.BootTarget(Domain(disks, "<os><type>hvm</type><boot dev='cdrom'/><boot dev='hd'/></os>")));
        Assert.Null(GuestDiskReader.BootTarget(Domain(disks, "<os><type>hvm</type><boot dev='network'/></os>")));
        Assert.Null(GuestDiskReader.BootTarget(Domain(disks, "<os><type>hvm</type><kernel>/boot/vmlinuz</kernel></os>")));
    }

    [Fact]
    public void A_nic_first_in_boot_order_means_no_disk_is_the_boot_disk()
    {
        var x = Domain("""
            <disk type='file' device='disk'><source file='/a'/><target dev='vda' bus='virtio'/></disk>
            <interface type='network'><source network='default'/><boot order='1'/></interface>
            """);
        Assert.Null(GuestDiskReader.BootTarget(x));
    }

    [Fact]
    public void Targets_are_matched_whole()
    {
        var x = Domain(Everything);
        Assert.NotNull(GuestDiskReader.Find(x, "vda"));
        Assert.Null(GuestDiskReader.Find(x, "vd"));
        Assert.Null(GuestDiskReader.Find(x, "VDA"));
        Assert.Null(GuestDiskReader.Find(x, "vda\n"));
    }
}
