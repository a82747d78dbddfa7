using System.Xml;
using System.Xml.Linq;
using VirtTools.Host;
using VirtTools.Libvirt;
using VirtTools.Pci;

namespace VirtTools.HostUsage;

/// <summary>
/// A libvirt guest that names a PCI function (a PCI hostdev, a hostdev interface, or a network
/// interface whose actual device is a VF). <see cref="File"/> is where it was seen: the definition
/// or status file, or the libvirt URI when only the daemon reported it. <see cref="Running"/>: the
/// guest runs with it (its live definition has it), not only its persistent definition.
/// </summary>
public sealed record GuestDeviceUse(string Guest, PciAddress Address, string File, bool Running);

/// <summary>
/// The one answer to "which libvirt guest uses this PCI device", for Get-PciDevice's AssignedToGuest
/// and for the guards of Disable-/Enable-VfioDevice, Set-SriovVfCount and the guest cmdlets.
/// </summary>
/// <remarks>
/// Why two sources, merged: libvirt's files (/etc/libvirt/{qemu,libxl}/*.xml definitions and the
/// /run/libvirt/{qemu,libxl}/*.xml status files of running guests, transient ones included) need no
/// daemon, so they work on a recorded root (VIRTTOOLS_ROOT), while libvirtd is stopped (its QEMU
/// guests keep running and only the status files know them) and for Xen's libxl driver. libvirtd
/// itself knows what the files of these two drivers do not (guests of another driver or
/// configuration directory), and a user in the libvirt group may ask it where the files are
/// root's only. Neither is complete, and the guards would
/// rather refuse once too often than hang an unbind or break a guest's next start, so every guest
/// either source names counts, and "running" wins when either says so. libvirtd is asked only
/// when it describes the host the files do (the live root, or a simulated host with its own
/// programs: <see cref="HostContext.ProgramsSeeThisRoot"/>), the default URI is local, and for
/// the system URIs a daemon socket exists; a daemon that cannot be reached or refuses is a
/// <see cref="Problems"/> line, never an error, and the files still answer. A connection the
/// caller opened (-ConnectionUri) is asked as it is, remote ones without this host's files.
/// </remarks>
public sealed class GuestDeviceUses
{
    private static readonly (string Dir, bool Running)[] Dirs =
    {
        ("/etc/libvirt/qemu", false), ("/etc/libvirt/libxl", false),
        ("/run/libvirt/qemu", true), ("/run/libvirt/libxl", true),
    };

    private static readonly string[] DaemonSockets =
        { "/run/libvirt/libvirt-sock", "/run/libvirt/virtqemud-sock", "/run/libvirt/virtxend-sock" };

    private readonly IHostFileSystem? _files;
    private readonly Func<ILibvirtConnection?>? _connect;
    private readonly bool _ownsConnection;
    private List<GuestDeviceUse>? _uses;

    /// <param name="files">The host whose libvirt files to read, or null for none (a remote connection).</param>
    /// <param name="connect">The libvirt connection to ask, or null; disposed here when <paramref name="ownsConnection"/>.</param>
    private GuestDeviceUses(IHostFileSystem? files, Func<ILibvirtConnection?>? connect, bool ownsConnection)
    {
        _files = files;
        _connect = connect;
        _ownsConnection = ownsConnection;
    }

    /// <summary>This host's libvirt files, and its local default libvirt connection where it describes the same host.</summary>
    public static GuestDeviceUses ForHost(HostContext host) =>
        new(host.Files, host.ProgramsSeeThisRoot ? () => OpenLocal(host) : null, ownsConnection: true);

    /// <summary>
    /// The guests of an open connection (the caller keeps it), and this host's libvirt files when the
    /// connection is local to the host they describe.
    /// </summary>
    public static GuestDeviceUses ForConnection(ILibvirtConnection connection, HostContext host, bool local) =>
        new(local && host.ProgramsSeeThisRoot ? host.Files : null, () => connection, ownsConnection: false);

    /// <summary>Sources that could not be read (a file, the daemon), with why.</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            _uses ??= Scan();
            return _problems;
        }
    }

    private readonly List<string> _problems = new();

    /// <summary>Every guest that names <paramref name="a"/>, running ones first, then by name.</summary>
    public IReadOnlyList<GuestDeviceUse> Of(PciAddress a) => (_uses ??= Scan()).Where(u => u.Address == a)
        .OrderByDescending(u => u.Running).ThenBy(u => u.Guest, StringComparer.Ordinal).ToList();

    /// <summary>The one guest Get-PciDevice shows: the one running with the device, else the first by name; null for none.</summary>
    public string? GuestOf(PciAddress a)
    {
        // Of's first element without its sorted copy: Get-PciDevice asks this for every function.
        GuestDeviceUse? best = null;
        foreach (var u in _uses ??= Scan())
            if (u.Address == a && (best is null || (u.Running && !best.Running) ||
                                   (u.Running == best.Running && string.CompareOrdinal(u.Guest, best.Guest) < 0)))
                best = u;
        return best?.Guest;
    }

    private List<GuestDeviceUse> Scan()
    {
        var uses = new List<GuestDeviceUse>();
        if (_files is not null) ScanFiles(_files, uses);
        if (_connect is not null) ScanLibvirt(uses);
        return uses;
    }

    private void ScanFiles(IHostFileSystem fs, List<GuestDeviceUse> uses)
    {
        foreach (var (dir, running) in Dirs)
        {
            IReadOnlyList<string> names;
            try { names = fs.List(dir); }
            catch (HostIOException e) { _problems.Add($"{dir}: {HostIOException.Describe(e.Errno)}"); continue; }
            foreach (var n in names.Where(n => n.EndsWith(".xml", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                var path = $"{dir}/{n}";
                XDocument doc;
                try { doc = XDocument.Parse(fs.ReadAllText(path)); }
                catch (HostIOException e) { _problems.Add($"{path}: {HostIOException.Describe(e.Errno)}"); continue; }
                catch (XmlException e) { _problems.Add($"{path}: {e.Message}"); continue; }
                // A status file wraps the live definition in <domstatus>; a definition is <domain> itself.
                var domain = doc.Root?.Name.LocalName == "domain" ? doc.Root : doc.Root?.Element("domain");
                if (domain is null) continue;
                var guest = domain.Element("name")?.Value ?? Path.GetFileNameWithoutExtension(n);
                foreach (var a in Guests.GuestReader.HostDeviceAddresses(domain)) Add(uses, new GuestDeviceUse(guest, a, path, running));
            }
        }
    }

    private void ScanLibvirt(List<GuestDeviceUse> uses)
    {
        ILibvirtConnection? c = null;
        try
        {
            c = _connect!();
            if (c is null) return;
            var uri = c.Uri;
            foreach (var d in c.ListDomains())
            {
                using (d)
                {
                    var name = d.Name;
                    var active = d.IsActive;
                    foreach (var a in Guests.GuestReader.HostDeviceAddresses(XDocument.Parse(d.GetXml()).Root!)) Add(uses, new GuestDeviceUse(name, a, uri, active));
                    // A running guest's next start uses its persistent definition, which may differ from the live one.
                    if (active && d.IsPersistent)
                        foreach (var a in Guests.GuestReader.HostDeviceAddresses(XDocument.Parse(d.GetXml(DomainXmlFlags.Inactive)).Root!))
                            Add(uses, new GuestDeviceUse(name, a, uri, false));
                }
            }
        }
        // The host's own daemon only adds to what the files say; a connection the caller opened is its
        // question, so its failures are the caller's errors, as any other call on it.
        catch (Exception e) when (_ownsConnection &&
                                  e is LibvirtException or DllNotFoundException or EntryPointNotFoundException or HostIOException or XmlException)
        {
            _problems.Add($"libvirt: {e.Message}");
        }
        finally
        {
            if (_ownsConnection) c?.Dispose();
        }
    }

    /// <summary>One row a guest and device; a source that says "running" wins and names where it saw that.</summary>
    private static void Add(List<GuestDeviceUse> uses, GuestDeviceUse u)
    {
        var seen = uses.FindIndex(x => x.Guest == u.Guest && x.Address == u.Address);
        if (seen < 0) uses.Add(u);
        else if (u.Running && !uses[seen].Running) uses[seen] = u;
    }

    private static ILibvirtConnection? OpenLocal(HostContext host)
    {
        var uri = LibvirtConnector.DefaultUri(host.Files);
        if (!Guests.GuestCreator.IsLocalUri(uri)) return null;
        // A system daemon that is not running has no socket: skip loading libvirt at all.
        if (uri is "qemu:///system" or "xen:///system" && !DaemonSockets.Any(host.Files.Exists)) return null;
        return host.OpenLibvirt(uri);
    }
}
