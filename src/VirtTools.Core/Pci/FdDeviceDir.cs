using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using VirtTools.Host;

namespace VirtTools.Pci;

/// <summary>
/// The disk form: a directory descriptor plus openat/readlinkat/getdents64. Under an open parent the
/// directory itself is opened only when it has to be listed: until then each attribute is reached as
/// "name/attribute" from the parent, which spares the open and close of the directory (two of a VF's
/// few syscalls) for one more path component.
/// </summary>
[SkipLocalsInit]
internal sealed class FdDeviceDir : DeviceDir
{
    [ThreadStatic] private static byte[]? _dents;
    private int _fd = -1;
    // The deferred form: the parent's descriptor (not ours to close) and "name/" in UTF-8.
    private readonly int _parent = -1;
    private readonly byte[]? _prefix;
    // Attributes whose read failed with ENOENT: what a probe learns instead of a directory listing.
    private ulong _missing;

    public FdDeviceDir(DiskFileSystem fs, string hostDir)
    {
        var path = fs.Map(hostDir);
        Span<byte> z = stackalloc byte[Encoding.UTF8.GetMaxByteCount(path.Length) + 1];
        var n = Encoding.UTF8.GetBytes(path, z);
        z[n] = 0;
        _fd = Libc.open(ref z[0], Libc.O_RDONLY_CLOEXEC | Libc.O_DIRECTORY);
        if (_fd < 0) OpenError = (Errno)Marshal.GetLastPInvokeError();
    }

    /// <summary>The directory <paramref name="name"/> under an open parent, opened on first need.</summary>
    public FdDeviceDir(int parentFd, ReadOnlySpan<char> name)
    {
        _parent = parentFd;
        _prefix = new byte[Encoding.UTF8.GetByteCount(name) + 1];
        Encoding.UTF8.GetBytes(name, _prefix);
        _prefix[^1] = (byte)'/';
    }

    protected override void EnsureOpen()
    {
        if (_prefix is null || _fd >= 0 || OpenTried) return;
        OpenTried = true;
        Span<byte> z = stackalloc byte[_prefix.Length];
        _prefix.AsSpan(0, _prefix.Length - 1).CopyTo(z);
        z[^1] = 0;
        _fd = Libc.openat(_parent, ref z[0], Libc.O_RDONLY_CLOEXEC | Libc.O_DIRECTORY);
        if (_fd < 0) OpenError = (Errno)Marshal.GetLastPInvokeError();
    }

    private bool OpenTried { get; set; }

    public override void Scan(NameVisitor visit)
    {
        EnsureOpen();
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

    /// <summary>The descriptor and NUL-terminated path that reach <paramref name="nameZ"/>: from the directory once open, else from the parent.</summary>
    private int At(byte[] nameZ, Span<byte> scratch, out Span<byte> pathZ)
    {
        if (_fd >= 0 || _prefix is null)
        {
            pathZ = nameZ;
            return _fd;
        }
        _prefix.CopyTo(scratch);
        nameZ.CopyTo(scratch[_prefix.Length..]);
        pathZ = scratch[..(_prefix.Length + nameZ.Length)];
        return _parent;
    }

    private Span<byte> Scratch(Span<byte> stack, byte[] nameZ) =>
        _prefix is null || _prefix.Length + nameZ.Length <= stack.Length ? stack : new byte[_prefix.Length + nameZ.Length];

    public override int Read(Attr a, Span<byte> buffer, out Errno errno)
    {
        errno = Errno.None;
        var nameZ = NamesZ[(int)a];
        var dirfd = At(nameZ, Scratch(stackalloc byte[128], nameZ), out var path);
        var fd = Libc.openat(dirfd, ref path[0], Libc.O_RDONLY_CLOEXEC);
        if (fd < 0) { errno = Failed(a); return -1; }
        var n = (int)Libc.read(fd, ref MemoryMarshal.GetReference(buffer), buffer.Length);
        if (n < 0) errno = (Errno)Marshal.GetLastPInvokeError();
        _ = Libc.close(fd);
        return n;
    }

    public override bool CanProbe => true;

    public override bool IsMissing(Attr a) => (_missing & 1UL << (int)a) != 0;

    private Errno Failed(Attr a)
    {
        var errno = (Errno)Marshal.GetLastPInvokeError();
        if (errno == Errno.ENOENT) _missing |= 1UL << (int)a;
        return errno;
    }

    public override string? ReadLink(Attr a) => ReadLinkZ(NamesZ[(int)a]);

    public override string? ReadLink(string name) => ReadLinkZ(Encoding.UTF8.GetBytes(name + "\0"));

    public override string? ReadLinkName(Attr a)
    {
        // Decode only the last component: the rest of the target would be a string thrown away.
        Span<byte> buf = stackalloc byte[512];
        var nameZ = NamesZ[(int)a];
        var dirfd = At(nameZ, Scratch(stackalloc byte[128], nameZ), out var path);
        var n = (int)Libc.readlinkat(dirfd, ref path[0], ref buf[0], buf.Length);
        if (n < 0) _ = Failed(a);
        if (n <= 0) return null;
        var t = buf[..n].TrimEnd((byte)'/');
        return Encoding.UTF8.GetString(t[(t.LastIndexOf((byte)'/') + 1)..]);
    }

    private string? ReadLinkZ(byte[] nameZ)
    {
        Span<byte> buf = stackalloc byte[512];
        var dirfd = At(nameZ, Scratch(stackalloc byte[128], nameZ), out var path);
        var n = (int)Libc.readlinkat(dirfd, ref path[0], ref buf[0], buf.Length);
        return n <= 0 ? null : Encoding.UTF8.GetString(buf[..n]);
    }

    public override void Dispose()
    {
        if (_fd >= 0) _ = Libc.close(_fd);
        _fd = -1;
    }
}
