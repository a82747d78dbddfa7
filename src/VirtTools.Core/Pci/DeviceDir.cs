using System.Runtime.InteropServices;
using System.Text;
using VirtTools.Host;

namespace VirtTools.Pci;

/// <summary>The sysfs attributes of a PCI function that the reader looks at.</summary>
internal enum Attr
{
    Config, Vendor, Device, SubsystemVendor, SubsystemDevice, Class, Revision, Driver, DriverOverride,
    IommuGroup, NumaNode, BootVga, SriovTotalVfs, SriovNumVfs, Physfn, CurrentLinkSpeed, CurrentLinkWidth,
    MaxLinkSpeed, MaxLinkWidth, ResetMethod,
}

internal delegate void NameVisitor(ReadOnlySpan<byte> utf8Name);

/// <summary>
/// One device directory, opened once: which attributes exist, and reads of them. The disk form
/// works relative to a directory descriptor, so each attribute costs a one-component path walk.
/// </summary>
internal abstract class DeviceDir : IDisposable
{
    public static readonly string[] Names =
    {
        "config", "vendor", "device", "subsystem_vendor", "subsystem_device", "class", "revision", "driver",
        "driver_override", "iommu_group", "numa_node", "boot_vga", "sriov_totalvfs", "sriov_numvfs", "physfn",
        "current_link_speed", "current_link_width", "max_link_speed", "max_link_width", "reset_method",
    };

    /// <summary>NUL-terminated UTF-8 forms of <see cref="Names"/>, for the *at() calls.</summary>
    protected static readonly byte[][] NamesZ = Names.Select(n => Encoding.UTF8.GetBytes(n + "\0")).ToArray();

    /// <remarks>
    /// The descriptor form reads the disk behind the seam directly, so it serves only a plain
    /// <see cref="DiskFileSystem"/>: a subclass (the simulated kernel) may give reads their own meaning.
    /// </remarks>
    public static DeviceDir Open(IHostFileSystem fs, string hostDir) =>
        fs.GetType() == typeof(DiskFileSystem) && Libc.Available
            ? new FdDeviceDir((DiskFileSystem)fs, hostDir)
            : new PathDeviceDir(fs, hostDir);

    /// <summary>Errno of opening the directory (ENOENT for a dangling link); None when open.</summary>
    public Errno OpenError { get; protected set; }

    public abstract void Scan(NameVisitor visit);

    /// <summary>Up to buffer.Length bytes of the attribute; -1 with the errno when it cannot be read.</summary>
    public abstract int Read(Attr a, Span<byte> buffer, out Errno errno);

    public abstract string? ReadLink(Attr a);

    public abstract string? ReadLink(string name);

    public virtual void Dispose() { }

    /// <summary>Which known attribute a directory entry is, or -1.</summary>
    public static int Identify(ReadOnlySpan<byte> name)
    {
        for (var i = 0; i < NamesZ.Length; i++)
        {
            var z = NamesZ[i];
            if (z.Length - 1 == name.Length && name.SequenceEqual(z.AsSpan(0, z.Length - 1))) return i;
        }
        return -1;
    }
}

/// <summary>Any IHostFileSystem: attribute paths built from the directory path.</summary>
internal sealed class PathDeviceDir : DeviceDir
{
    private readonly IHostFileSystem _fs;
    private readonly string _dir;

    public PathDeviceDir(IHostFileSystem fs, string dir)
    {
        _fs = fs;
        _dir = dir;
    }

    private IReadOnlyList<string>? _entries;

    public IReadOnlyList<string> Entries
    {
        get
        {
            if (_entries is not null) return _entries;
            try
            {
                _entries = _fs.List(_dir);
                if (_entries.Count == 0 && !_fs.DirectoryExists(_dir)) OpenError = Errno.ENOENT;
            }
            catch (HostIOException e)
            {
                _entries = Array.Empty<string>();
                OpenError = e.Errno;
            }
            return _entries;
        }
    }

    public override void Scan(NameVisitor visit)
    {
        Span<byte> buf = stackalloc byte[256];
        foreach (var e in Entries)
        {
            var n = Encoding.UTF8.GetByteCount(e);
            if (n > buf.Length) continue;
            visit(buf[..Encoding.UTF8.GetBytes(e, buf)]);
        }
    }

    public override int Read(Attr a, Span<byte> buffer, out Errno errno)
    {
        errno = Errno.None;
        try { return _fs.Read(_dir + "/" + Names[(int)a], buffer); }
        catch (HostIOException e)
        {
            errno = e.Errno;
            return -1;
        }
    }

    public override string? ReadLink(Attr a) => _fs.ReadLink(_dir + "/" + Names[(int)a]);

    public override string? ReadLink(string name) => _fs.ReadLink(_dir + "/" + name);
}

/// <summary>The disk form: a directory descriptor plus openat/readlinkat/getdents64.</summary>
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
