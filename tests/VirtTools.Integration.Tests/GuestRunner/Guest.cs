using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace VirtTools.Integration.GuestRunner;

/// <summary>Direct looks at the guest kernel, independent of VirtTools, to check what the cmdlets did.</summary>
public static class Guest
{
    public const string Devices = "/sys/bus/pci/devices";

    public static string Dev(string address) => Path.Combine(Devices, address);

    public static string? Read(string path)
    {
        try { return File.ReadAllText(path).TrimEnd('\n'); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public static string? LinkName(string path)
    {
        try
        {
            var target = new FileInfo(path).LinkTarget;
            return target is null ? null : Path.GetFileName(target);
        }
        catch (IOException) { return null; }
    }

    public static string? Driver(string address) => LinkName(Path.Combine(Dev(address), "driver"));

    public static string? DriverOverride(string address) => Read(Path.Combine(Dev(address), "driver_override"));

    public static int? Group(string address) =>
        int.TryParse(LinkName(Path.Combine(Dev(address), "iommu_group")), out var g) ? g : null;

    public static string[] NetDevs(string address)
    {
        var dir = Path.Combine(Dev(address), "net");
        return Directory.Exists(dir) ? Directory.GetDirectories(dir).Select(Path.GetFileName).OfType<string>().Order().ToArray() : Array.Empty<string>();
    }

    public static bool VfioNode(int group) => File.Exists($"/dev/vfio/{group}");

    public static string[] GroupMembers(int group)
    {
        var dir = $"/sys/kernel/iommu_groups/{group}/devices";
        return Directory.Exists(dir) ? Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).OfType<string>().Order().ToArray() : Array.Empty<string>();
    }

    /// <summary>The loaded modules' names, from /proc/modules.</summary>
    public static string[] LoadedModules() =>
        (Read("/proc/modules") ?? "").Split('\n').Select(l => l.Split(' ')[0]).Where(m => m.Length > 0).Order().ToArray();

    public static string[] Addresses() =>
        Directory.GetFileSystemEntries(Devices).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();

    /// <summary>The interface of the IPv4 default route, from /proc/net/route.</summary>
    public static string? DefaultRouteInterface()
    {
        foreach (var line in (Read("/proc/net/route") ?? "").Split('\n').Skip(1))
        {
            var f = line.Split('\t', StringSplitOptions.TrimEntries);
            if (f.Length > 7 && f[1] == "00000000" && f[7] == "00000000") return f[0];
        }
        return null;
    }

    /// <summary>PCI address of a network interface, or null for a virtual one.</summary>
    public static string? PciOfNetDev(string ifname) => LinkName($"/sys/class/net/{ifname}/device");

    /// <summary>Polls until <paramref name="condition"/> holds; returns how long it took, or null on timeout.</summary>
    public static double? WaitFor(Func<bool> condition, double seconds)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (condition()) return Math.Round(sw.Elapsed.TotalSeconds, 3);
            if (sw.Elapsed.TotalSeconds > seconds) return null;
            Thread.Sleep(50);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int open(string path, int flags);
    [DllImport("libc", SetLastError = true)]
    private static extern nint write(int fd, byte[] buf, nint count);
    [DllImport("libc")]
    private static extern int close(int fd);

    private const int O_WRONLY = 1;

    /// <summary>
    /// One write(2) of <paramref name="text"/>, as `echo text > path` does, returning 0 or the errno.
    /// .NET's FileStream would hide the errno behind an IOException message.
    /// </summary>
    public static RawWrite WriteRaw(string path, string text)
    {
        var sw = Stopwatch.StartNew();
        var fd = open(path, O_WRONLY);
        if (fd < 0) return new RawWrite(path, text, Marshal.GetLastPInvokeError(), "open", sw.Elapsed.TotalSeconds);
        var bytes = Encoding.ASCII.GetBytes(text);
        var n = write(fd, bytes, bytes.Length);
        var errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
        close(fd);
        return new RawWrite(path, text, errno, "write", Math.Round(sw.Elapsed.TotalSeconds, 3));
    }

    public static string ErrnoName(int errno) => errno switch
    {
        0 => "OK", 1 => "EPERM", 2 => "ENOENT", 5 => "EIO", 12 => "ENOMEM", 13 => "EACCES", 16 => "EBUSY",
        17 => "EEXIST", 19 => "ENODEV", 22 => "EINVAL", 28 => "ENOSPC", 34 => "ERANGE", 95 => "EOPNOTSUPP",
        _ => $"errno{errno}",
    };

    public static ProgramRun Run(string program, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return new ProgramRun(p.ExitCode, stdout.Result + stderr);
        }
        catch (System.ComponentModel.Win32Exception e) { return new ProgramRun(-1, e.Message); }
    }
}

public sealed record ProgramRun(int ExitCode, string Output);

public sealed record RawWrite(string Path, string Value, int Errno, string FailedCall, double Seconds)
{
    public string ErrnoName => Guest.ErrnoName(Errno);
}
