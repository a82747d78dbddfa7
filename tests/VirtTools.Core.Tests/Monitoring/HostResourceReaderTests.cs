using VirtTools.Libvirt;
using VirtTools.Monitoring;
using VirtTools.Tests.Guests;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Monitoring;

/// <summary>Get-VHSResource's reader: the test driver's node and guests, huge pages from a synthetic sysfs.</summary>
[Collection(TestDriverCollection.Name)]
public sealed class HostResourceReaderTests : IDisposable
{
    private readonly TestDriverGuests _g = new();
    private FaultyConnection _c => _g.C;

    public void Dispose() => _g.Dispose();

    private void Running(string name, int vcpus, int mib) =>
        _g.Running(name, $"<domain type='test'><name>{name}</name><memory unit='MiB'>{mib}</memory>" +
                         $"<vcpu>{vcpus}</vcpu><os><type arch='i686'>hvm</type></os></domain>");

    private static (int Guests, int Vcpus, long Memory) Committed(ILibvirtConnection c)
    {
        var active = c.ListDomains(DomainListFlags.Active);
        try
        {
            var infos = active.Select(d => d.GetInfo()).ToList();
            return (infos.Count, infos.Sum(i => i.VirtualCpus), infos.Sum(i => i.MemoryBytes));
        }
        finally { foreach (var d in active) d.Dispose(); }
    }

    [Fact]
    public void Node_figures_are_libvirts_and_running_guests_add_their_vcpus_and_memory()
    {
        var before = HostResourceReader.Read(_c, new Host.DiskFileSystem("/nonexistent"));
        var node = _c.GetNodeInfo();
        Assert.Equal(node.Cpus, before.ProcessorCount);
        Assert.Equal(node.MemoryBytes, before.MemoryBytes);
        Assert.Equal(_c.GetFreeMemoryBytes(), before.FreeMemoryBytes);
        Assert.Equal(node.Sockets, before.Sockets);
        Assert.Equal(_c.Hostname, before.ComputerName);
        var expected = Committed(_c);
        Assert.Equal(expected.Guests, before.RunningGuestCount);
        Assert.Equal(expected.Vcpus, before.CommittedProcessorCount);

        Running("vt-res-a", 3, 256);
        _g.Defined("vt-res-off", "<domain type='test'><name>vt-res-off</name><memory unit='MiB'>4096</memory><vcpu>8</vcpu><os><type arch='i686'>hvm</type></os></domain>");
        var after = HostResourceReader.Read(_c, new Host.DiskFileSystem("/nonexistent"));
        Assert.Equal(before.RunningGuestCount + 1, after.RunningGuestCount);
        Assert.Equal(before.CommittedProcessorCount + 3, after.CommittedProcessorCount);
        Assert.Equal(before.CommittedMemoryBytes + 256L * 1024 * 1024, after.CommittedMemoryBytes);
        Assert.Equal(after.ProcessorCount - after.CommittedProcessorCount, after.UncommittedProcessorCount);
    }

    [Fact]
    public void The_test_driver_answers_for_its_own_huge_pages_the_base_page_left_out()
    {
        Assert.False(HostResourceReader.IsThisHost(_c));
        var r = HostResourceReader.Read(_c, new Host.DiskFileSystem("/nonexistent"));
        Assert.NotEmpty(r.HugePages);
        Assert.All(r.HugePages, p => Assert.Equal("libvirt", p.Source));
        Assert.DoesNotContain(r.HugePages, p => p.PageSizeBytes == 4096);
        var two = Assert.Single(r.HugePages, p => p.PageSizeBytes == 2L * 1024 * 1024);
        Assert.NotNull(two.Free);
    }

    [Fact]
    public void Sysfs_huge_pages_per_size_with_totals_and_free_counts()
    {
        using var t = new TempTree();
        t.Builder.File("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "512\n")
                 .File("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "100\n")
                 .File("/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "2\n")
                 .File("/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "garbage\n")
                 .File("/sys/kernel/mm/hugepages/README", "not a size\n");
        var p = HostResourceReader.FromSysfs(t.Files);
        Assert.Equal(2, p.Length);
        Assert.Equal((2L * 1024 * 1024, 512L, (long?)100), (p[0].PageSizeBytes, p[0].Total, p[0].Free));
        Assert.Equal((1024L * 1024 * 1024, 2L, (long?)null), (p[1].PageSizeBytes, p[1].Total, p[1].Free));
        Assert.All(p, x => Assert.Equal("sysfs", x.Source));
    }

    [Fact]
    public void A_host_without_the_hugepages_directory_has_none()
    {
        using var t = new TempTree();
        t.Builder.EnsureDir("/sys/kernel/mm");
        Assert.Empty(HostResourceReader.FromSysfs(t.Files));
    }
}
