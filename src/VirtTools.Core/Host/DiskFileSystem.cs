using System.Runtime.InteropServices;
using System.Text;

namespace VirtTools.Host;

/// <summary>
/// The host file system under a root directory ("/" on a live host). On Linux the three hot calls
/// of a sysfs scan (read, readlink, list) are bare syscalls: .NET's file API adds fstat + flock +
/// unlock to every open and an lstat + stat to every symlink a listing meets, which doubles the
/// syscalls of a 10,000-function scan. Results and errno are the same either way.
/// </summary>
public class DiskFileSystem : IHostFileSystem
{
    public DiskFileSystem(string root)
    {
        Root = string.IsNullOrEmpty(root) ? "/" : root;
    }

    public string Root { get; }

    /// <summary>Host-absolute path to the on-disk path under <see cref="Root"/>.</summary>
    public string Map(string path)
    {
        if (!path.StartsWith('/'))
            throw new ArgumentException($"Host paths are absolute: '{path}'.", nameof(path));
        return Root == "/" ? path : System.IO.Path.Join(Root, path);
    }

    public virtual bool FileExists(string path) => File.Exists(Map(path));

    public virtual bool DirectoryExists(string path) => Directory.Exists(Map(path));

    public virtual bool Exists(string path)
    {
        var p = Map(path);
        if (File.Exists(p) || Directory.Exists(p)) return true;
        try { return new FileInfo(p).LinkTarget != null; }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    public virtual string ReadAllText(string path)
    {
        try { return File.ReadAllText(Map(path)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(path, e);
        }
    }

    public virtual int Read(string path, Span<byte> buffer)
    {
        if (Libc.Available)
        {
            var fd = Libc.open(Map(path), Libc.O_RDONLY_CLOEXEC);
            if (fd < 0) throw new HostIOException(path, (Errno)Marshal.GetLastPInvokeError());
            try
            {
                // One read, as the seam promises: a sysfs attribute answers in full.
                var n = (int)Libc.read(fd, ref MemoryMarshal.GetReference(buffer), buffer.Length);
                return n >= 0 ? n : throw new HostIOException(path, (Errno)Marshal.GetLastPInvokeError());
            }
            finally { _ = Libc.close(fd); }
        }
        try
        {
            using var h = File.OpenHandle(Map(path), FileMode.Open, FileAccess.Read,
                FileShare.ReadWrite | FileShare.Delete);
            return RandomAccess.Read(h, buffer, 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(path, e);
        }
    }

    public virtual string? ReadLink(string path)
    {
        if (Libc.Available)
        {
            Span<byte> buf = stackalloc byte[512];
            var n = (int)Libc.readlink(Map(path), ref MemoryMarshal.GetReference(buf), buf.Length);
            if (n <= 0) return null;
            // A full buffer may be a truncated target: let .NET read it whole.
            if (n < buf.Length) return Encoding.UTF8.GetString(buf[..n]);
        }
        try { return new FileInfo(Map(path)).LinkTarget; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    public virtual IReadOnlyList<string> List(string path)
    {
        if (Libc.Available) return ListNative(path);
        try
        {
            var d = new DirectoryInfo(Map(path));
            if (!d.Exists) return Array.Empty<string>();
            return d.EnumerateFileSystemInfos().Select(i => i.Name).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(path, e);
        }
    }

    private IReadOnlyList<string> ListNative(string path)
    {
        var dir = Libc.opendir(Map(path));
        if (dir == IntPtr.Zero)
        {
            var errno = (Errno)Marshal.GetLastPInvokeError();
            return errno is Errno.ENOENT or Errno.ENOTDIR ? Array.Empty<string>() : throw new HostIOException(path, errno);
        }
        try
        {
            var names = new List<string>(48);
            IntPtr e;
            while ((e = Libc.readdir64(dir)) != IntPtr.Zero)
            {
                // struct dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name.
                var name = Marshal.PtrToStringUTF8(e + 19);
                if (name is null or "." or "..") continue;
                names.Add(name);
            }
            return names;
        }
        finally { _ = Libc.closedir(dir); }
    }

    public virtual void Write(string path, string value)
    {
        try
        {
            // sysfs wants the value in a single write(); O_TRUNC is what `echo >` does.
            using var h = File.OpenHandle(Map(path), FileMode.Truncate, FileAccess.Write,
                FileShare.ReadWrite | FileShare.Delete);
            RandomAccess.Write(h, Encoding.ASCII.GetBytes(value), 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(path, e);
        }
    }

    public virtual void WriteFileAtomic(string path, string content)
    {
        var target = Map(path);
        var dir = System.IO.Path.GetDirectoryName(target)!;
        var tmp = System.IO.Path.Join(dir, "." + System.IO.Path.GetFileName(target) + ".vt-" + Environment.ProcessId);
        try
        {
            Directory.CreateDirectory(dir);
            RemoveStaleTemps(dir, System.IO.Path.GetFileName(target));
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                var bytes = Encoding.UTF8.GetBytes(content);
                fs.Write(bytes, 0, bytes.Length);
                fs.Flush(flushToDisk: true);
            }
            FaultInjection.Step($"wrote {tmp}");
            File.Move(tmp, target, overwrite: true);
            FaultInjection.Step($"renamed over {path}");
            // The rename is in the directory: until the directory is synced, a power cut may bring
            // back the old name (or neither, on some file systems), whatever the file's own fsync did.
            SyncDirectory(dir);
            FaultInjection.Step($"synced {dir}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(tmp); } catch (Exception) { /* the original error matters more */ }
            throw Wrap(path, e);
        }
    }

    /// <summary>Temp files of this name left by a writer that died (its pid gone) before its rename.</summary>
    private static void RemoveStaleTemps(string dir, string name)
    {
        var prefix = "." + name + ".vt-";
        foreach (var p in Directory.EnumerateFiles(dir, prefix + "*"))
        {
            var pid = System.IO.Path.GetFileName(p)[prefix.Length..];
            if (int.TryParse(pid, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
                && n != Environment.ProcessId && !Directory.Exists("/proc/" + pid))
            {
                try { File.Delete(p); } catch (IOException) { /* another writer's cleanup got there first */ }
            }
        }
    }

    private static void SyncDirectory(string dir)
    {
        if (!Libc.Available) return;
        var fd = Libc.open(dir, Libc.O_RDONLY_CLOEXEC | Libc.O_DIRECTORY);
        if (fd < 0) return; // a directory that cannot be opened cannot be synced either; the rename stands
        try { _ = Libc.fsync(fd); }
        finally { _ = Libc.close(fd); }
    }

    public virtual void Delete(string path)
    {
        try
        {
            File.Delete(Map(path));
            FaultInjection.Step($"deleted {path}");
        }
        catch (DirectoryNotFoundException) { }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(path, e);
        }
    }

    public virtual void CreateDirectory(string path)
    {
        try { Directory.CreateDirectory(Map(path)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(path, e);
        }
    }

    public virtual IDisposable Lock(string path, TimeSpan timeout) => Lock(path, timeout, null);

    public virtual IDisposable Lock(string path, TimeSpan timeout, Action<string?, TimeSpan, bool>? waiting)
    {
        var p = Map(path);
        var started = DateTime.UtcNow;
        var deadline = started + timeout;
        DateTime? reported = null;
        while (true)
        {
            try
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
                // On Unix, FileShare.None makes .NET take flock(LOCK_EX | LOCK_NB), which other
                // processes (and other handles in this one) respect, and which the kernel drops
                // when the holder dies.
                var held = new FileStream(p, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                WriteHolder(held);
                if (reported is not null) waiting!(null, DateTime.UtcNow - started, true);
                return held;
            }
            catch (IOException e) when (HostIOException.ErrnoOf(e) is Errno.EAGAIN or Errno.EBUSY or Errno.EIO)
            {
                var now = DateTime.UtcNow;
                if (now >= deadline)
                {
                    var holder = Holder(path);
                    if (reported is not null) waiting!(holder, now - started, true);
                    throw new HostIOException(path, Errno.EAGAIN,
                        $"{path} is held by {holder ?? "another process"} (waited {timeout.TotalSeconds:0.#} s).", e);
                }
                // At once, so the user learns whom the command waits for, then once a second.
                if (waiting is not null && (reported is null || now - reported >= TimeSpan.FromSeconds(1)))
                {
                    reported = now;
                    waiting(Holder(path), now - started, false);
                }
                Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(50, Math.Max(1, timeout.TotalMilliseconds / 4))));
            }
            catch (UnauthorizedAccessException e)
            {
                throw Wrap(path, e);
            }
        }
    }

    /// <summary>"pid N (command line)" in the lock file, so a second writer can say whom it waits for.</summary>
    private static void WriteHolder(FileStream held)
    {
        var args = Environment.GetCommandLineArgs();
        var line = $"pid {Environment.ProcessId} ({string.Join(' ', args.Select(a => a.Length > 80 ? a[..80] + "..." : a)).ReplaceLineEndings(" ")})\n";
        held.SetLength(0);
        held.Write(Encoding.UTF8.GetBytes(line));
        held.Flush();
    }

    /// <summary>What the holder wrote in the lock file; read with a bare read(), which flock does not block.</summary>
    private string? Holder(string path)
    {
        Span<byte> buffer = stackalloc byte[512];
        try
        {
            var n = Read(path, buffer);
            var text = Encoding.UTF8.GetString(buffer[..n]).Trim();
            return text.StartsWith("pid ", StringComparison.Ordinal) ? text : null;
        }
        catch (HostIOException) { return null; }
    }

    protected static HostIOException Wrap(string path, Exception e) =>
        e as HostIOException ?? new HostIOException(path, HostIOException.ErrnoOf(e), null, e);
}
