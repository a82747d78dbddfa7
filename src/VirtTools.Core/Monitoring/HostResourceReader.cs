using System.Globalization;
using VirtTools.Host;
using VirtTools.Libvirt;

namespace VirtTools.Monitoring;

/// <summary>Builds <see cref="VHSResource"/>: the node through libvirt, huge pages from sysfs when the host is this one.</summary>
public static class HostResourceReader
{
    public const string HugePagesDir = "/sys/kernel/mm/hugepages";

    public static VHSResource Read(ILibvirtConnection c, IHostFileSystem files)
    {
        var node = c.GetNodeInfo();
        int guests = 0, vcpus = 0;
        long memory = 0;
        foreach (var d in c.ListDomains(DomainListFlags.Active))
            using (d)
            {
                LibvirtDomainInfo info;
                try { info = d.GetInfo(); }
                catch (LibvirtException e) when (e.Code == ErrorCodes.NoDomain) { continue; } // gone between list and read
                if (info.State is DomainState.ShutOff) continue;
                guests++;
                vcpus += info.VirtualCpus;
                memory += info.MemoryBytes;
            }
        return new VHSResource
        {
            ComputerName = c.Hostname,
            ConnectionUri = c.Uri,
            CpuModel = node.Model,
            ProcessorCount = node.Cpus,
            Sockets = node.Sockets,
            CoresPerSocket = node.Cores,
            ThreadsPerCore = node.Threads,
            NumaNodes = node.Nodes,
            Mhz = node.Mhz,
            MemoryBytes = node.MemoryBytes,
            FreeMemoryBytes = c.GetFreeMemoryBytes(),
            HugePages = IsThisHost(c) ? FromSysfs(files) : c.GetHugePages().Select(p =>
                new VHSHugePages { PageSizeBytes = p.PageSizeBytes, Total = p.Total, Free = p.Free, Source = "libvirt" }).ToArray(),
            RunningGuestCount = guests,
            CommittedProcessorCount = vcpus,
            CommittedMemoryBytes = memory,
        };
    }

    /// <summary>
    /// A URI without a host names a daemon on this machine (qemu:///system, qemu+unix:///...): its huge
    /// pages are the ones the host root shows. The test driver's host is fictional, so it answers itself.
    /// </summary>
    public static bool IsThisHost(ILibvirtConnection c) =>
        !string.Equals(c.DriverType, "Test", StringComparison.OrdinalIgnoreCase)
        && System.Uri.TryCreate(c.Uri, UriKind.Absolute, out var u) && u.Host.Length == 0;

    /// <summary>hugepages-2048kB/nr_hugepages and free_hugepages for every size the kernel offers.</summary>
    public static VHSHugePages[] FromSysfs(IHostFileSystem files)
    {
        var list = new List<VHSHugePages>();
        foreach (var dir in files.List(HugePagesDir))
        {
            if (!dir.StartsWith("hugepages-", StringComparison.Ordinal) || !dir.EndsWith("kB", StringComparison.Ordinal)) continue;
            if (!long.TryParse(dir["hugepages-".Length..^2], NumberStyles.None, CultureInfo.InvariantCulture, out var kib)) continue;
            var path = $"{HugePagesDir}/{dir}";
            list.Add(new VHSHugePages
            {
                PageSizeBytes = kib * 1024,
                Total = Count(files, $"{path}/nr_hugepages") ?? 0,
                Free = Count(files, $"{path}/free_hugepages"),
                Source = "sysfs",
            });
        }
        return list.OrderBy(p => p.PageSizeBytes).ToArray();
    }

    private static long? Count(IHostFileSystem files, string path)
    {
        try { return long.TryParse(files.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null; }
        catch (HostIOException) { return null; }
    }
}
