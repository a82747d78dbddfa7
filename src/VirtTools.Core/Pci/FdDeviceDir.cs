using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using VirtTools.Host;

namespace VirtTools.Pci;

/// <summary>The disk form: a directory descriptor plus openat/readlinkat/getdents64.</summary>
[SkipLocalsInit]
internal sealed class FdDeviceDir : DeviceDir
{
    [ThreadStatic] private static byte[]? _dents;
    private int _fd;

    public FdDeviceDir(DiskFileSystem fs, string hostDir)
    {
        var path = fs.Map(hostDir);
        Span<byte> z = stackalloc byte[Encoding.UTF8.GetMaxByteCount(path.Length) + 1];
        var n = Encoding.UTF8.GetBytes(path, z);
        z[n] = 0;
        _fd = Libc.open(ref z[0], Libc.O_RDONLY_CLOEXEC | Libc.O_DIRECTORY);
        if (_fd < 0) OpenError = (Errno)Marshal.GetLastPInvokeError();
    }

    /// <summary>The directory <paramref name="name"/> under an open parent: a one-component walk.</summary>
    public FdDeviceDir(int parentFd, ReadOnlySpan<char> name)
    {
        Span<byte> z = stackalloc byte[Encoding.UTF8.GetMaxByteCount(name.Length) + 1];
        var n = Encoding.UTF8.GetBytes(name, z);
        z[n] = 0;
        _fd = Libc.openat(parentFd, ref z[0], Libc.O_RDONLY_CLOEXEC | Libc.O_DIRECTORY);
        if (_fd < 0) OpenError = (Errno)Marshal.GetLastPInvokeError();
    }

    public override void Scan(NameVisitor visit)
    {
        if (_fd < 0) return;
        var buf = _dents ??= new byte[16384];
        while (true)
        {
            var n = (int)Libc.getdents64(_fd, ref buf[0], buf.Length);
            if (n <= 0) return;
            for (var off = 0; off < n;)
            {
                // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name (NUL-terminated).
                var reclen = buf[off + 16] | buf[off + 17] << 8;
                var name = buf.AsSpan(off + 19, reclen - 19);
                var end = name.IndexOf((byte)0);
                if (end >= 0) name = name[..end];
                if (!(name.Length == 1 && name[0] == '.') && !(name.Length == 2 && name[0] == '.' && name[1] == '.')) visit(name);
                off += reclen;
            }
            // Linux file systems (kernfs, tmpfs, ext4, overlayfs) fill the buffer while entries remain, so
            // a reply with room left for another maximal entry was the last: skip the empty second call.
            if (n < buf.Length - 512) return;
        }
    }

    public override int Read(Attr a, Span<byte> buffer, out Errno errno)
    {
        errno = Errno.None;
        var fd = Libc.openat(_fd, ref NamesZ[(int)a][0], Libc.O_RDONLY_CLOEXEC);
        if (fd < 0) { errno = (Errno)Marshal.GetLastPInvokeError(); return -1; }
        var n = (int)Libc.read(fd, ref MemoryMarshal.GetReference(buffer), buffer.Length);
        if (n < 0) errno = (Errno)Marshal.GetLastPInvokeError();
        _ = Libc.close(fd);
        return n;
    }

    public override string? ReadLink(Attr a) => ReadLinkZ(NamesZ[(int)a]);

    public override string? ReadLink(string name) => ReadLinkZ(Encoding.UTF8.GetBytes(name + "\0"));

    public override string? ReadLinkName(Attr a)
    {
        // Decode only the last component: the rest of the target would be a string thrown away.
        Span<byte> buf = stackalloc byte[512];
        var n = (int)Libc.readlinkat(_fd, ref NamesZ[(int)a][0], ref buf[0], buf.Length);
        if (n <= 0) return null;
        var t = buf[..n].TrimEnd((byte)'/');
        return Encoding.UTF8.GetString(t[(t.LastIndexOf((byte)'/') + 1)..]);
    }

    private string? ReadLinkZ(byte[] nameZ)
    {
        Span<byte> buf = stackalloc byte[512];
        var n = (int)Libc.readlinkat(_fd, ref nameZ[0], ref buf[0], buf.Length);
        return n <= 0 ? null : Encoding.UTF8.GetString(buf[..n]);
    }

    public override void Dispose()
    {
        if (_fd >= 0) _ = Libc.close(_fd);
        _fd = -1;
    }
}
