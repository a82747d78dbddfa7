using System.Text;
using VirtTools.Host;

namespace VirtTools.Pci;

/// <summary>The sysfs attributes of a PCI function that the reader looks at.</summary>
internal enum Attr
{
    Config, Vendor, Device, SubsystemVendor, SubsystemDevice, Class, Revision, Driver, DriverOverride,
    IommuGroup, NumaNode, BootVga, SriovTotalVfs, SriovNumVfs, Physfn, CurrentLinkSpeed, CurrentLinkWidth,
    MaxLinkSpeed, MaxLinkWidth, ResetMethod, SriovOffset, SriovStride,
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
        "sriov_offset", "sriov_stride",
    };

    /// <summary>NUL-terminated UTF-8 forms of <see cref="Names"/>, for the *at() calls.</summary>
    protected static readonly byte[][] NamesZ = Names.Select(n => Encoding.UTF8.GetBytes(n + "\0")).ToArray();

    /// <remarks>
    /// The descriptor form reads the disk behind the seam directly, so it serves only a plain
    /// <see cref="DiskFileSystem"/>: a subclass (the simulated kernel) may give reads their own meaning.
    /// </remarks>
    public static DeviceDir Open(IHostFileSystem fs, string hostDir) =>
        UsesDescriptors(fs) ? new FdDeviceDir((DiskFileSystem)fs, hostDir) : new PathDeviceDir(fs, hostDir);

    public static bool UsesDescriptors(IHostFileSystem fs) => fs.GetType() == typeof(DiskFileSystem) && Libc.Available;

    private Errno _openError;

    /// <summary>Errno of opening the directory (ENOENT for a dangling link); None when open. Opens a deferred directory.</summary>
    public Errno OpenError
    {
        get
        {
            EnsureOpen();
            return _openError;
        }
        protected set => _openError = value;
    }

    /// <summary>Opens the directory if its opening was deferred.</summary>
    protected virtual void EnsureOpen() { }

    public abstract void Scan(NameVisitor visit);

    /// <summary>
    /// True when reads report a missing attribute as ENOENT (see <see cref="IsMissing"/>), so the reader may
    /// try an attribute instead of listing the directory first.
    /// </summary>
    public virtual bool CanProbe => false;

    /// <summary>True once a read or link read of the attribute failed with ENOENT (only where <see cref="CanProbe"/>).</summary>
    public virtual bool IsMissing(Attr a) => false;

    /// <summary>Up to buffer.Length bytes of the attribute; -1 with the errno when it cannot be read.</summary>
    public abstract int Read(Attr a, Span<byte> buffer, out Errno errno);

    public abstract string? ReadLink(Attr a);

    public abstract string? ReadLink(string name);

    /// <summary>The last component of a link's target ("iavf" of "../../../bus/pci/drivers/iavf/"), or null.</summary>
    public virtual string? ReadLinkName(Attr a) => LastComponent(ReadLink(a));

    public static string? LastComponent(string? link)
    {
        if (link is null) return null;
        link = link.TrimEnd('/');
        return link[(link.LastIndexOf('/') + 1)..];
    }

    public virtual void Dispose() { }

    /// <summary>Which known attribute a directory entry is, or -1.</summary>
    public static int Identify(ReadOnlySpan<byte> name)
    {
        // Every entry of every device directory comes through here: compare only the few names of that length.
        if (name.Length >= ByLength.Length) return -1;
        foreach (var i in ByLength[name.Length])
            if (name.SequenceEqual(NamesZ[i].AsSpan(0, name.Length))) return i;
        return -1;
    }

    private static readonly int[][] ByLength = Enumerable.Range(0, Names.Max(n => n.Length) + 1)
        .Select(len => Enumerable.Range(0, Names.Length).Where(i => Names[i].Length == len).ToArray()).ToArray();
}
