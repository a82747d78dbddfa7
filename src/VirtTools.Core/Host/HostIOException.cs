namespace VirtTools.Host;

/// <summary>An I/O failure on a host path, with the errno the kernel (or simulator) gave.</summary>
public sealed class HostIOException : IOException
{
    public HostIOException(string path, Errno errno, string? message = null, Exception? inner = null)
        : base(message ?? $"{path}: {Describe(errno)}", inner)
    {
        Path = path;
        Errno = errno;
        HResult = (int)errno;
    }

    public string Path { get; }
    public Errno Errno { get; }

    public static string Describe(Errno errno) => errno switch
    {
        Errno.EPERM => "Operation not permitted",
        Errno.ENOENT => "No such file or directory",
        Errno.EIO => "Input/output error",
        Errno.ENXIO => "No such device or address",
        Errno.EAGAIN => "Resource temporarily unavailable",
        Errno.ENOMEM => "Cannot allocate memory",
        Errno.EACCES => "Permission denied",
        Errno.EBUSY => "Device or resource busy",
        Errno.EEXIST => "File exists",
        Errno.ENODEV => "No such device",
        Errno.ENOTDIR => "Not a directory",
        Errno.EISDIR => "Is a directory",
        Errno.EINVAL => "Invalid argument",
        Errno.ENOSPC => "No space left on device",
        Errno.EROFS => "Read-only file system",
        Errno.ERANGE => "Numerical result out of range",
        Errno.ENOTSUP => "Operation not supported",
        Errno.ETIMEDOUT => "Connection timed out",
        _ => $"errno {(int)errno}",
    };

    /// <summary>Maps a .NET exception from a file operation to the errno behind it.</summary>
    public static Errno ErrnoOf(Exception e) => e switch
    {
        HostIOException h => h.Errno,
        FileNotFoundException or DirectoryNotFoundException => Errno.ENOENT,
        UnauthorizedAccessException => Errno.EACCES,
        // On Unix, .NET puts the raw errno into HResult for errors it has no special type for.
        IOException io when io.HResult > 0 && io.HResult < 4096 => (Errno)io.HResult,
        _ => Errno.EIO,
    };
}
