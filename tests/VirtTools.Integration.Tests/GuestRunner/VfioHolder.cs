using System.Runtime.InteropServices;

namespace VirtTools.Integration.GuestRunner;

/// <summary>
/// `GuestRunner --hold-vfio &lt;group&gt; &lt;address&gt;`: opens a device through VFIO the way QEMU does
/// (container, group, SET_CONTAINER, SET_IOMMU, GET_DEVICE_FD), prints one line saying how far it got,
/// and keeps everything open until its stdin closes. While it runs, removing the device blocks in the
/// kernel, which is what Set-SriovVfCount must refuse to cause.
/// </summary>
public static class VfioHolder
{
    // linux/vfio.h: _IO(VFIO_TYPE ';', VFIO_BASE 100 + n)
    private const ulong VFIO_GET_API_VERSION = 0x3b64;
    private const ulong VFIO_SET_IOMMU = 0x3b66;
    private const ulong VFIO_GROUP_SET_CONTAINER = 0x3b68;
    private const ulong VFIO_GROUP_GET_DEVICE_FD = 0x3b6a;
    private const ulong VFIO_TYPE1v2_IOMMU = 3;
    private const ulong VFIO_TYPE1_IOMMU = 1;
    private const int O_RDWR = 2;

    [DllImport("libc", SetLastError = true)]
    private static extern int open(string path, int flags);
    [DllImport("libc", SetLastError = true)]
    private static extern int ioctl(int fd, ulong request, ulong arg);
    [DllImport("libc", SetLastError = true)]
    private static extern int ioctl(int fd, ulong request, ref int arg);
    [DllImport("libc", SetLastError = true)]
    private static extern int ioctl(int fd, ulong request, string arg);

    public static int Run(string group, string address)
    {
        string Fail(string what) => $"failed {what}: errno {Marshal.GetLastPInvokeError()}";
        var container = open("/dev/vfio/vfio", O_RDWR);
        if (container < 0) return Report(Fail("open /dev/vfio/vfio"));
        var api = ioctl(container, VFIO_GET_API_VERSION, 0UL);
        var groupFd = open($"/dev/vfio/{group}", O_RDWR);
        if (groupFd < 0) return Report(Fail($"open /dev/vfio/{group}"));
        var c = container;
        if (ioctl(groupFd, VFIO_GROUP_SET_CONTAINER, ref c) < 0) return Report(Fail("VFIO_GROUP_SET_CONTAINER"));
        if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) < 0 && ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU) < 0)
            return Report(Fail("VFIO_SET_IOMMU"));
        var device = ioctl(groupFd, VFIO_GROUP_GET_DEVICE_FD, address);
        if (device < 0) return Report(Fail("VFIO_GROUP_GET_DEVICE_FD"));
        Console.Out.WriteLine($"holding pid={Environment.ProcessId} api={api} container={container} group={groupFd} device={device}");
        Console.Out.Flush();
        // Keep the fds until the scenario closes our stdin (or kills us).
        Console.In.ReadToEnd();
        return 0;
    }

    private static int Report(string line)
    {
        Console.Out.WriteLine(line);
        Console.Out.Flush();
        return 1;
    }
}
