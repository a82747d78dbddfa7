using VirtTools.Host;

namespace VirtTools.Capability;

/// <summary>
/// Which cgroup version the host runs and which controllers it has: cgroup.controllers (v2), else
/// the cgroup mounts (v1, hybrid), else /proc/cgroups.
/// </summary>
internal sealed class CgroupReader
{
    private static readonly HashSet<string> V1Controllers = new(StringComparer.Ordinal)
    {
        "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "blkio", "perf_event",
        "net_prio", "hugetlb", "pids", "rdma", "misc",
    };
    private readonly IHostFileSystem _fs;
    private readonly List<string> _notes;

    /// <param name="notes">Where a finding worth telling (hybrid mode) is added.</param>
    public CgroupReader(IHostFileSystem fs, List<string> notes)
    {
        _fs = fs;
        _notes = notes;
    }

    private string? RawText(string path) => HostPath.TryReadText(_fs, path);

    private string? Text(string path) => CapabilityRules.Trimmed(RawText(path));

    public (int? Version, string[]? Controllers) Read()
    {
        if (Text("/sys/fs/cgroup/cgroup.controllers") is { } v2)
            return (2, v2.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var mounts = RawText("/proc/mounts") ?? RawText("/proc/self/mounts");
        if (mounts is not null)
        {
            var v1 = new SortedSet<string>(StringComparer.Ordinal);
            string? v2Mount = null;
            foreach (var line in mounts.Split('\n'))
            {
                var f = line.Split(' ');
                if (f.Length < 4) continue;
                if (f[2] == "cgroup2") v2Mount ??= f[1];
                else if (f[2] == "cgroup")
                    foreach (var o in f[3].Split(',')) if (V1Controllers.Contains(o)) v1.Add(o);
            }
            if (v1.Count > 0)
            {
                if (v2Mount is not null) _notes.Add($"cgroup hybrid mode: v1 controllers plus a cgroup2 tree at {v2Mount}; libvirt uses the v1 controllers.");
                return (1, v1.ToArray());
            }
            if (v2Mount is not null)
                return (2, Text(v2Mount + "/cgroup.controllers")?.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }
        // Without mounts, /proc/cgroups still shows v1 hierarchies (hierarchy id > 0).
        if (RawText("/proc/cgroups") is { } cgroups)
        {
            var names = new List<string>();
            foreach (var line in cgroups.Split('\n'))
            {
                var f = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                if (f.Length >= 4 && !f[0].StartsWith('#') && f[1] != "0" && f[3] == "1") names.Add(f[0]);
            }
            if (names.Count > 0) return (1, names.ToArray());
        }
        return (null, null);
    }
}
