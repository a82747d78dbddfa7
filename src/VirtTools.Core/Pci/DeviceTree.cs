using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using VirtTools.Host;

namespace VirtTools.Pci;

/// <summary>
/// The device directories of one listing. On the plain disk it keeps descriptors of
/// /sys/bus/pci/devices and of the parents of device directories, so the per-device readlink and
/// directory open walk one path component instead of the whole path under the host root (on a big
/// host most functions share a few parents: VFs sit beside their PF). Any other file system goes
/// through the seam as before. Thread-safe; dispose only after every reader has finished.
/// </summary>
[SkipLocalsInit] // the link buffers are written before they are read
internal sealed class DeviceTree : IDisposable
{
    // Hosts with many bridges have many parents; past this many, the long walk costs less than a
    // descriptor per parent held open for the whole listing.
    private const int MaxParents = 256;

    private readonly IHostFileSystem _fs;
    private readonly DiskFileSystem? _disk;
    private int _devicesFd = -1;
    private readonly ConcurrentDictionary<string, int> _parents = new(StringComparer.Ordinal);
    // Neighbouring functions mostly share a parent: each worker remembers its last one, so that
    // parent costs neither a string nor a dictionary lookup.
    [ThreadStatic] private static (DeviceTree? Tree, string Parent, int Fd) _last;

    public DeviceTree(IHostFileSystem fs)
    {
        _fs = fs;
        if (!DeviceDir.UsesDescriptors(fs)) return;
        _disk = (DiskFileSystem)fs;
        _devicesFd = Libc.open(_disk.Map(PciDeviceReader.DevicesDir), Libc.O_RDONLY_CLOEXEC | Libc.O_DIRECTORY);
    }

    /// <summary>The target of /sys/bus/pci/devices/&lt;name&gt;, or null when it is no link.</summary>
    public string? ReadBusLink(string name)
    {
        if (_devicesFd < 0 || name.Length > 64) return _fs.ReadLink(PciDeviceReader.DevicesDir + "/" + name);
        Span<byte> z = stackalloc byte[Encoding.UTF8.GetMaxByteCount(name.Length) + 1];
        var len = Encoding.UTF8.GetBytes(name, z);
        z[len] = 0;
        Span<byte> buf = stackalloc byte[512];
        var n = (int)Libc.readlinkat(_devicesFd, ref z[0], ref buf[0], buf.Length);
        if (n <= 0) return null;
        // A full buffer may be a truncated target: the seam reads it whole.
        return n < buf.Length ? Encoding.UTF8.GetString(buf[..n]) : _fs.ReadLink(PciDeviceReader.DevicesDir + "/" + name);
    }

    public DeviceDir Open(string hostDir)
    {
        if (_disk is null) return DeviceDir.Open(_fs, hostDir);
        var slash = hostDir.LastIndexOf('/');
        if (slash > 0 && slash < hostDir.Length - 1)
        {
            var parentSpan = hostDir.AsSpan(0, slash);
            int fd;
            if (ReferenceEquals(_last.Tree, this) && parentSpan.SequenceEqual(_last.Parent)) fd = _last.Fd;
            else if (_parents.TryGetValue(parentSpan.ToString(), out fd)) _last = (this, hostDir[..slash], fd);
            else
            {
                var parent = parentSpan.ToString();
                if (_parents.Count >= MaxParents) fd = -1;
                else
                {
                    fd = Libc.open(_disk.Map(parent), Libc.O_RDONLY_CLOEXEC | Libc.O_DIRECTORY);
                    // Two workers may open the same parent: the one that loses closes its descriptor.
                    if (!_parents.TryAdd(parent, fd))
                    {
                        if (fd >= 0) _ = Libc.close(fd);
                        fd = _parents[parent];
                    }
                }
                _last = (this, parent, fd);
            }
            var name = hostDir.AsSpan(slash + 1);
            // ".." or "." would walk from the parent, not the path's meaning of it: the full walk decides.
            if (fd >= 0 && !name.SequenceEqual(".") && !name.SequenceEqual("..")) return new FdDeviceDir(fd, name);
        }
        return new FdDeviceDir(_disk, hostDir);
    }

    public void Dispose()
    {
        // The workers' memories of a parent name their tree, so a later tree never takes one of these descriptors.
        if (ReferenceEquals(_last.Tree, this)) _last = default;
        if (_devicesFd >= 0) _ = Libc.close(_devicesFd);
        _devicesFd = -1;
        foreach (var fd in _parents.Values)
            if (fd >= 0) _ = Libc.close(fd);
        _parents.Clear();
    }
}
