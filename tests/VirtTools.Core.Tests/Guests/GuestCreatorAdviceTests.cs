using VirtTools.Guests;
using VirtTools.Host;
using VirtTools.Libvirt;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Guests;

/// <summary>What New-VMGuest tells a new user (issue 20): a new disk larger than the pool's free space, a missing ISO.</summary>
[Collection(TestDriverCollection.Name)]
public sealed class GuestCreatorAdviceTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vt-guest-advice-").FullName;
    private readonly ILibvirtConnection _keep = LibvirtConnector.Open(LibvirtBindingTests.TestUri);

    public void Dispose()
    {
        _keep.Dispose();
        Directory.Delete(_root, true);
    }

    private GuestCreator Creator()
    {
        var fs = new DiskFileSystem(_root);
        return new GuestCreator(_keep, new HostContext(fs, new ModprobeLoader(fs, new SystemProcessRunner()), new SystemProcessRunner()));
    }

    [Fact]
    public void A_new_disk_larger_than_the_pool_has_free_is_accepted_with_a_warning_as_virt_install_does()
    {
        // test:///default's default-pool has 100 GiB free.
        var plan = Creator().Plan(new GuestRequest { Name = "adv-big", NewDiskSizeBytes = 200L << 30, StoragePool = "default-pool" });
        var w = Assert.Single(plan.Warnings, x => x.Contains("default-pool", StringComparison.Ordinal));
        Assert.Contains("204800 MiB", w);
        Assert.Contains("102400 MiB", w);
        Assert.Contains("-NewDiskSizeBytes", w);
        Assert.NotNull(plan.Volume);
    }

    [Fact]
    public void A_new_disk_that_fits_gets_no_space_warning()
    {
        var plan = Creator().Plan(new GuestRequest { Name = "adv-small", NewDiskSizeBytes = 1L << 30, StoragePool = "default-pool" });
        Assert.DoesNotContain(plan.Warnings, x => x.Contains("free", StringComparison.Ordinal));
    }

    [Fact]
    public void The_space_check_reads_what_libvirt_reports_and_is_silent_without_it()
    {
        const string Xml = "<pool type='dir'><name>p</name><available unit='bytes'>{0}</available></pool>";
        Assert.NotNull(GuestCreator.PoolSpaceWarning("p", string.Format(Xml, 1L << 30), 2L << 30));
        Assert.Null(GuestCreator.PoolSpaceWarning("p", string.Format(Xml, 2L << 30), 2L << 30));
        Assert.Null(GuestCreator.PoolSpaceWarning("p", "<pool type='dir'><name>p</name></pool>", 2L << 30));
    }

    [Fact]
    public void A_missing_iso_says_what_to_do_and_that_nothing_was_created()
    {
        var e = Assert.Throws<VirtToolsException>(() => Creator().Plan(new GuestRequest { Name = "adv-iso", CdromPath = "/images/missing.iso" }));
        Assert.Equal("CdromNotFound", e.ErrorId);
        Assert.Equal(FailureKind.ObjectNotFound, e.Kind);
        Assert.Contains("Nothing was created", e.Message);
        Assert.False(string.IsNullOrEmpty(e.RecommendedAction));
        Assert.Contains("ISO", e.RecommendedAction);
        Assert.Null(_keep.FindDomain("adv-iso"));
    }
}
