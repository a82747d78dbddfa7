using System.Text;
using VirtTools.Host;

namespace VirtTools.Pci;

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
