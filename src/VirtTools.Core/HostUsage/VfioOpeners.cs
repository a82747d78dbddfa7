using System.Globalization;
using VirtTools.Host;

namespace VirtTools.HostUsage;

/// <summary>A process holding a VFIO node open: a group (/dev/vfio/12) or an iommufd device cdev (/dev/vfio/devices/vfio0).</summary>
public sealed record VfioOpener(int Pid, string ProcessName, string Node);

/// <summary>
/// Finds the processes that hold /dev/vfio nodes open, as lsof would: every /proc/&lt;pid&gt;/fd link.
/// QEMU keeps the group open for the guest's lifetime; while it does, removing the device blocks
/// in the kernel until the process lets go, so nothing may destroy such a device.
/// </summary>
public sealed class VfioOpeners
{
    private readonly IHostFileSystem _fs;
    private Dictionary<string, List<VfioOpener>>? _byNode;

    public VfioOpeners(IHostFileSystem fs) => _fs = fs;

    /// <summary>Processes whose fd/ could not be read (not root, or gone): the scan cannot vouch for them.</summary>
    public int Unreadable { get; private set; }

    public IReadOnlyList<VfioOpener> Of(string node)
    {
        _byNode ??= Scan();
        return _byNode.TryGetValue(node, out var l) ? l : Array.Empty<VfioOpener>();
    }

    private Dictionary<string, List<VfioOpener>> Scan()
    {
        var map = new Dictionary<string, List<VfioOpener>>(StringComparer.Ordinal);
        IReadOnlyList<string> pids;
        try { pids = _fs.List("/proc"); }
        catch (HostIOException) { return map; }
        foreach (var p in pids)
        {
            if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            var fdDir = $"/proc/{p}/fd";
            IReadOnlyList<string> fds;
            try { fds = _fs.List(fdDir); }
            catch (HostIOException) { Unreadable++; continue; }
            string? name = null;
            foreach (var fd in fds)
            {
                var target = _fs.ReadLink($"{fdDir}/{fd}");
                if (target is null || !target.Contains("/dev/vfio/", StringComparison.Ordinal)) continue;
                var node = HostPath.Combine(fdDir, target);
                if (node == "/dev/vfio/vfio") continue; // the container: shared by every group
                name ??= ProcessName(p);
                if (!map.TryGetValue(node, out var l)) map[node] = l = new List<VfioOpener>();
                if (!l.Any(o => o.Pid == pid)) l.Add(new VfioOpener(pid, name, node));
            }
        }
        return map;
    }

    private string ProcessName(string pid)
    {
        try { return _fs.ReadAllText($"/proc/{pid}/comm").Trim(); }
        catch (HostIOException) { return "?"; }
    }
}
