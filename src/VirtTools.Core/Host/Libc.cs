using System.Runtime.InteropServices;

namespace VirtTools.Host;

/// <summary>The few libc calls of the fast sysfs path (glibc and musl both export them as "libc").</summary>
internal static partial class Libc
{
    private static bool? _available;

    /// <summary>True where these calls resolve (Linux with a glibc or musl "libc").</summary>
    public static bool Available
    {
        get
        {
            if (_available is bool a) return a;
            if (!OperatingSystem.IsLinux()) return (_available = false).Value;
            try { _ = close(-1); _available = true; }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { _available = false; }
            return _available.Value;
        }
    }

    public const int O_RDONLY_CLOEXEC = 0x80000; // O_RDONLY | O_CLOEXEC (x86-64 and arm64 agree)
    // Not the same on every architecture: 0x10000 on x86-64 is O_DIRECT on arm64, where opening a
    // directory with it fails with EINVAL (asm-generic/fcntl.h against arch/arm64/.../fcntl.h).
    public static readonly int O_DIRECTORY =
        RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x4000 : 0x10000;

    [DllImport("libc", SetLastError = true)]
    public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    // The calls a device listing makes 20 times per function are source-generated: blittable
    // arguments let the JIT inline the transition instead of going through a marshalling stub.
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    public static partial int open(ref byte pathZ, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int openat(int dirfd, ref byte pathZ, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, ref byte buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [DllImport("libc", SetLastError = true)]
    public static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    public static extern int kill(int pid, int signal);

    [DllImport("libc", SetLastError = true)]
    public static extern nint readlink([MarshalAs(UnmanagedType.LPUTF8Str)] string path, ref byte buffer, nint size);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint readlinkat(int dirfd, ref byte pathZ, ref byte buffer, nint size);

    [DllImport("libc", SetLastError = true)]
    public static extern IntPtr opendir([MarshalAs(UnmanagedType.LPUTF8Str)] string path);

    [DllImport("libc", SetLastError = true)]
    public static extern IntPtr readdir64(IntPtr dir);

    [DllImport("libc", SetLastError = true)]
    public static extern int closedir(IntPtr dir);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint getdents64(int fd, ref byte buffer, nint count);
}
