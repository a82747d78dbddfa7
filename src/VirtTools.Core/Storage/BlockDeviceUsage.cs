using VirtTools.Host;

namespace VirtTools.Storage;

/// <summary>
/// Whether the host itself uses a block device that a new LVM volume group would be written over: a file
/// system mounted from it or one of its partitions, swap on it, or a holder (LVM, MD, dm) that has it as a
/// member. libvirt's own build refuses a device with a file system or partition signature; these are the
/// uses a blank signature does not show (an unformatted swap partition in use, a dm table over the raw
/// device).
/// </summary>
public sealed class BlockDeviceUsage(IHostFileSystem fs)
{
    /// <summary>The kernel's name of the block device a path names (/dev/sdb, /dev/disk/by-id/... resolved), or null.</summary>
    public string? KernelName(string devicePath)
    {
        var target = HostPath.Resolve(fs, devicePath);
        if (target is null || !target.StartsWith("/dev/", StringComparison.Ordinal)) return null;
        var name = HostPath.Name(target);
        return fs.Exists("/sys/class/block/" + name) ? name : null;
    }

    /// <summary>Why the host uses the device (or null): the device and all its partitions are looked at.</summary>
    public string? WhyInUse(string name)
    {
        var family = Family(name);
        var numbers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var n in family)
            if (HostPath.TryReadText(fs, $"/sys/class/block/{n}/dev")?.Trim() is { Length: > 0 } dev) numbers[dev] = n;

        foreach (var line in (HostPath.TryReadText(fs, "/proc/self/mountinfo") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(' ');
            if (f.Length > 4 && numbers.TryGetValue(f[2], out var part))
                return f[4] == "/" ? $"/dev/{part} holds the root file system" : $"/dev/{part} is mounted on {Unescape(f[4])}";
        }
        foreach (var line in (HostPath.TryReadText(fs, "/proc/swaps") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            var source = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (source is not null && KernelName(Unescape(source)) is { } swap && family.Contains(swap))
                return $"/dev/{swap} is in use as swap";
        }
        foreach (var n in family)
            if (fs.List($"/sys/class/block/{n}/holders") is { Count: > 0 } holders)
                return $"/dev/{n} is a member of {string.Join(", ", holders.Select(Holder))}";
        return null;
    }

    /// <summary>The device and its partitions (sdb, sdb1, sdb2; nvme0n1, nvme0n1p1).</summary>
    private HashSet<string> Family(string name)
    {
        var set = new HashSet<string>(StringComparer.Ordinal) { name };
        var dir = HostPath.Resolve(fs, "/sys/class/block/" + name);
        if (dir is not null)
            foreach (var child in fs.List(dir))
                if (child.StartsWith(name, StringComparison.Ordinal) && fs.FileExists($"{dir}/{child}/partition")) set.Add(child);
        return set;
    }

    private string Holder(string dm)
    {
        var mapped = HostPath.TryReadText(fs, $"/sys/class/block/{dm}/dm/name")?.Trim();
        return string.IsNullOrEmpty(mapped) ? dm : $"{dm} ({mapped})";
    }

    // /proc/self/mountinfo and /proc/swaps write a space as \040.
    private static string Unescape(string s) => s.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\134", "\\");
}
