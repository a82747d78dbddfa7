using VirtTools.Storage;

namespace VirtTools.Tests.Storage;

public sealed class DiskTargetPlannerTests
{
    [Theory]
    [InlineData(0, "a")]
    [InlineData(25, "z")]
    [InlineData(26, "aa")]
    [InlineData(27, "ab")]
    [InlineData(51, "az")]
    [InlineData(52, "ba")]
    [InlineData(701, "zz")]
    public void Suffixes_count_as_libvirt_numbers_disk_names(int index, string suffix) => Assert.Equal(suffix, DiskTargetPlanner.Suffix(index));

    [Fact]
    public void Virtio_takes_the_first_free_vd_name_filling_gaps()
    {
        Assert.Equal("vda", DiskTargetPlanner.Next("virtio", new HashSet<string>()));
        Assert.Equal("vdb", DiskTargetPlanner.Next("virtio", new HashSet<string> { "vda", "vdc", "sda" }));
    }

    [Fact]
    public void Scsi_and_sata_share_the_sd_names()
    {
        var used = new HashSet<string> { "sda", "vda" };
        Assert.Equal("sdb", DiskTargetPlanner.Next("scsi", used));
        Assert.Equal("sdb", DiskTargetPlanner.Next("sata", used));
        Assert.Equal("xvda", DiskTargetPlanner.Next("xen", used));
    }

    [Fact]
    public void A_full_bus_has_no_next_target()
    {
        Assert.Null(DiskTargetPlanner.Next("ide", new HashSet<string> { "hda", "hdb", "hdc", "hdd" }));
        var all = Enumerable.Range(0, DiskTargetPlanner.Capacity("virtio")).Select(i => "vd" + DiskTargetPlanner.Suffix(i)).ToHashSet();
        Assert.Null(DiskTargetPlanner.Next("virtio", all));
    }

    [Fact]
    public void An_unknown_bus_is_refused() => Assert.Throws<ArgumentOutOfRangeException>(() => DiskTargetPlanner.Prefix("floppy"));
}
