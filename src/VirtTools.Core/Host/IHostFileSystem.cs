namespace VirtTools.Host;

/// <summary>
/// The one seam for every read or write of /sys, /proc, /dev, /etc, /run and /lib/modules.
/// Paths are host-absolute ("/sys/bus/pci/devices"); an implementation maps them under its root,
/// so the same code runs on "/", on a recorded tree and on a simulated kernel.
/// </summary>
public interface IHostFileSystem
{
    /// <summary>The directory that stands for "/" (the real root, a capture, a test tree).</summary>
    string Root { get; }

    bool FileExists(string path);
    bool DirectoryExists(string path);

    /// <summary>True for files, directories and symlinks, including dangling ones.</summary>
    bool Exists(string path);

    /// <summary>Whole file as text. Throws <see cref="HostIOException"/> with the errno.</summary>
    string ReadAllText(string path);

    /// <summary>Up to buffer.Length bytes from offset 0 in one read; returns the count.</summary>
    int Read(string path, Span<byte> buffer);

    /// <summary>Raw target of a symlink, or null when the path is not a symlink.</summary>
    string? ReadLink(string path);

    /// <summary>Entry names (not paths) of a directory, unsorted; empty when it does not exist.</summary>
    IReadOnlyList<string> List(string path);

    /// <summary>
    /// A sysfs-style write: the whole value in one write() to an existing file, no create, no
    /// temp file. Throws <see cref="HostIOException"/> carrying the kernel's errno.
    /// </summary>
    void Write(string path, string value);

    /// <summary>
    /// A configuration-file write (/etc, /run): temp file in the same directory, fsync, rename.
    /// Creates missing parent directories.
    /// </summary>
    void WriteFileAtomic(string path, string content);

    /// <summary>Deletes a regular file or symlink; no error when it is already gone.</summary>
    void Delete(string path);

    /// <summary>Creates a directory (and parents) when missing.</summary>
    void CreateDirectory(string path);

    /// <summary>
    /// An exclusive advisory lock (flock) on <paramref name="path"/>, created when missing, held until
    /// disposed; serializes changes across processes. Throws <see cref="HostIOException"/> (EAGAIN)
    /// when another holder keeps it longer than <paramref name="timeout"/>.
    /// </summary>
    IDisposable Lock(string path, TimeSpan timeout) =>
        throw new NotSupportedException($"{GetType().Name} cannot lock files.");

    /// <summary>
    /// <see cref="Lock(string, TimeSpan)"/>, calling <paramref name="waiting"/> while another holder keeps the
    /// lock (about once a second, with what the holder wrote in the file and the time waited) and once more
    /// when the wait ends.
    /// </summary>
    IDisposable Lock(string path, TimeSpan timeout, Action<string?, TimeSpan, bool>? waiting) => Lock(path, timeout);
}
