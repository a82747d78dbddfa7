using System.Globalization;
using System.Text;
using VirtTools.Host;
using VirtTools.PciIds;

namespace VirtTools.Pci;

/// <summary>
/// Reads PCI functions from /sys/bus/pci/devices. One directory listing per device tells which
/// attribute files exist, so absent features cost no failed open; identity comes from one read of
/// the 64-byte config header when sysfs has it.
/// </summary>
public sealed class PciDeviceReader
{
    public const string DevicesDir = "/sys/bus/pci/devices";
    public const string DriverctlDir = "/etc/driverctl.d";

    private readonly IHostFileSystem _fs;
    private PciIdsDatabase? _ids;
    private ModuleAliasIndex? _aliases;
    private HashSet<string>? _driverctl;

    /// <remarks>A plain disk root is read through <see cref="SysfsFastFileSystem"/>, which gives the same answers with half the syscalls.</remarks>
    public PciDeviceReader(IHostFileSystem fs) => _fs = SysfsFastFileSystem.For(fs);

    /// <summary>Uses this pci.ids instead of the one under the host root (tests, -A style choices).</summary>
    public PciDeviceReader(IHostFileSystem fs, PciIdsDatabase ids) : this(fs) => _ids = ids;

    public IHostFileSystem Files => _fs;

    /// <summary>The pci.ids in use (loaded on first need, cached per process).</summary>
    public PciIdsDatabase Ids => _ids ??= PciIdsDatabase.Load(_fs);

    private ModuleAliasIndex Aliases => _aliases ??= ModuleAliasIndex.Load(_fs, out _);

    /// <summary>Throws HostRootNotFound when VIRTTOOLS_ROOT names a directory that does not exist.</summary>
    public static void EnsureHostRoot(IHostFileSystem fs)
    {
        if (fs.DirectoryExists("/")) return;
        throw new VirtToolsException("HostRootNotFound", FailureKind.ObjectNotFound,
            $"The host root '{fs.Root}' does not exist or is not a directory.", fs.Root,
            $"Point {HostContext.RootVariable} at an extracted sysfs/procfs tree, or remove it to use the live host.");
    }

    public IEnumerable<PciAddress> ListAddresses()
    {
        var list = new List<PciAddress>();
        foreach (var name in _fs.List(DevicesDir))
            if (PciAddress.TryParse(name, out var a) && name.Contains(':') && name.Contains('.')) list.Add(a);
        list.Sort();
        return list;
    }

    /// <summary>True when /sys/bus/pci/devices has an entry for the address (even a dangling one).</summary>
    public bool Exists(PciAddress address) => _fs.Exists($"{DevicesDir}/{address}");

    /// <summary>Every function, in address order, read lazily.</summary>
    public IEnumerable<PciDevice> ReadAll() => Read(ListAddresses().ToList());

    /// <summary>
    /// Reads the given functions, yielding them in the given order. Large lists are read in parallel
    /// batches: the time goes into sysfs syscalls, which run concurrently, and a batch at a time keeps
    /// the pipeline streaming.
    /// </summary>
    public IEnumerable<PciDevice> Read(IReadOnlyList<PciAddress> addresses)
    {
        const int batch = 1024;
        if (addresses.Count < 128 || Environment.ProcessorCount < 2)
        {
            foreach (var a in addresses) yield return Read(a);
            yield break;
        }
        _ = Ids; _ = Aliases; _ = Driverctl; // shared lazies, loaded once before the workers start
        var buffer = new PciDevice[Math.Min(batch, addresses.Count)];
        for (var start = 0; start < addresses.Count; start += batch)
        {
            var n = Math.Min(batch, addresses.Count - start);
            var from = start;
            Parallel.For(0, n, i => buffer[i] = Read(addresses[from + i]));
            for (var i = 0; i < n; i++) yield return buffer[i];
        }
    }

    public PciDevice Read(PciAddress address)
    {
        var addr = address.ToString();
        var d = new PciDevice
        {
            Address = addr,
            Domain = address.Domain,
            Bus = address.Bus,
            Slot = address.Slot,
            Function = address.Function,
        };
        var problems = new List<string>(0);
        var link = DevicesDir + "/" + addr;
        var target = _fs.ReadLink(link);
        var dir = target is null ? link : HostPath.Combine(DevicesDir, target);
        d.SysfsPath = dir;

        IReadOnlyList<string> entries;
        try { entries = _fs.List(dir); }
        catch (HostIOException e)
        {
            problems.Add($"{dir}: {HostIOException.Describe(e.Errno)}");
            d.Problems = problems.ToArray();
            return d;
        }
        if (entries.Count == 0 && !_fs.DirectoryExists(dir))
        {
            problems.Add(target is null
                ? $"{link}: not a device directory"
                : $"{link}: dangling link to {dir}");
            d.Problems = problems.ToArray();
            return d;
        }

        var parent = HostPath.Parent(dir);
        var parentName = parent[(parent.LastIndexOf('/') + 1)..];
        if (parentName.Contains('.') && PciAddress.TryParse(parentName, out var pa)) d.ParentBridge = pa.ToString();

        bool hasConfig = false, hasDriver = false, hasOverride = false, hasGroup = false, hasNuma = false,
            hasVga = false, hasTotal = false, hasNum = false, hasPhysfn = false, hasCurSpeed = false,
            hasCurWidth = false, hasMaxSpeed = false, hasMaxWidth = false, hasReset = false;
        List<(int N, string Name)>? virtfns = null;
        foreach (var e in entries)
        {
            switch (e)
            {
                case "config": hasConfig = true; break;
                case "driver": hasDriver = true; break;
                case "driver_override": hasOverride = true; break;
                case "iommu_group": hasGroup = true; break;
                case "numa_node": hasNuma = true; break;
                case "boot_vga": hasVga = true; break;
                case "sriov_totalvfs": hasTotal = true; break;
                case "sriov_numvfs": hasNum = true; break;
                case "physfn": hasPhysfn = true; break;
                case "current_link_speed": hasCurSpeed = true; break;
                case "current_link_width": hasCurWidth = true; break;
                case "max_link_speed": hasMaxSpeed = true; break;
                case "max_link_width": hasMaxWidth = true; break;
                case "reset_method": hasReset = true; break;
                default:
                    if (e.StartsWith("virtfn", StringComparison.Ordinal) &&
                        int.TryParse(e.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                        (virtfns ??= new()).Add((n, e));
                    break;
            }
        }

        ReadIdentity(d, dir, hasConfig, problems);
        Name(d);

        if (hasDriver) d.Driver = HostPath.LinkName(_fs, dir + "/driver");
        if (hasOverride)
        {
            var o = ReadText(dir + "/driver_override", problems);
            d.DriverOverride = o is null or "" or "(null)" ? null : o;
        }
        if (Driverctl.Count > 0 && Driverctl.Contains("pci-" + addr))
        {
            var p = DriverctlDir + "/pci-" + addr;
            d.PersistentDriverOverride = ReadText(p, problems) is { Length: > 0 } drv ? drv : null;
        }
        if (hasGroup)
        {
            var g = HostPath.LinkName(_fs, dir + "/iommu_group");
            if (int.TryParse(g, NumberStyles.None, CultureInfo.InvariantCulture, out var gi)) d.IommuGroup = gi;
            else problems.Add($"iommu_group: link to '{g}' is not a group number");
        }
        if (hasNuma)
        {
            var n = ReadInt(dir, "numa_node", problems);
            d.NumaNode = n is >= 0 ? n : null;
        }
        if (hasVga)
        {
            var v = ReadText(dir + "/boot_vga", problems);
            d.BootVga = v switch { "1" => true, "0" => false, null => null, _ => Garbage("boot_vga", v, problems) };
        }
        if (hasTotal) d.SriovTotalVfs = ReadInt(dir, "sriov_totalvfs", problems);
        if (hasNum) d.SriovNumVfs = ReadInt(dir, "sriov_numvfs", problems);
        if (hasPhysfn)
        {
            d.IsVirtualFunction = true;
            var pf = HostPath.LinkName(_fs, dir + "/physfn");
            d.PhysicalFunction = PciAddress.TryParse(pf, out var pfa) ? pfa.ToString() : pf;
        }
        if (virtfns is not null)
        {
            virtfns.Sort((x, y) => x.N.CompareTo(y.N));
            var vfs = new string[virtfns.Count];
            for (var i = 0; i < vfs.Length; i++)
            {
                var name = HostPath.LinkName(_fs, dir + "/" + virtfns[i].Name);
                vfs[i] = PciAddress.TryParse(name, out var va) ? va.ToString() : name ?? "";
            }
            d.VirtualFunctions = vfs;
        }
        if (hasCurSpeed) d.CurrentLinkSpeed = ReadText(dir + "/current_link_speed", problems);
        if (hasCurWidth) d.CurrentLinkWidth = ReadInt(dir, "current_link_width", problems);
        if (hasMaxSpeed) d.MaxLinkSpeed = ReadText(dir + "/max_link_speed", problems);
        if (hasMaxWidth) d.MaxLinkWidth = ReadInt(dir, "max_link_width", problems);
        if (hasReset && ReadText(dir + "/reset_method", problems) is { } rm)
            d.ResetMethods = rm.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        if (d.VendorId is not null && d.DeviceId is not null && d.ClassCode is not null)
        {
            var modalias = ModuleAliasIndex.Modalias(HexValue(d.VendorId), HexValue(d.DeviceId),
                d.SubsystemVendorId is null ? 0 : HexValue(d.SubsystemVendorId),
                d.SubsystemDeviceId is null ? 0 : HexValue(d.SubsystemDeviceId), HexValue(d.ClassCode));
            d.KernelModules = Aliases.Match(modalias);
        }

        if (problems.Count > 0) d.Problems = problems.ToArray();
        return d;
    }

    private HashSet<string> Driverctl
    {
        get
        {
            if (_driverctl is not null) return _driverctl;
            try { _driverctl = new HashSet<string>(_fs.List(DriverctlDir), StringComparer.Ordinal); }
            catch (HostIOException) { _driverctl = new HashSet<string>(); }
            return _driverctl;
        }
    }

    private void ReadIdentity(PciDevice d, string dir, bool hasConfig, List<string> problems)
    {
        Span<byte> c = stackalloc byte[64];
        var n = 0;
        if (hasConfig)
        {
            try { n = _fs.Read(dir + "/config", c); }
            catch (HostIOException e) { problems.Add($"config: {HostIOException.Describe(e.Errno)}"); }
        }
        int vendor = -1, device = -1, sv = -1, sd = -1, cls = -1, rev = -1, header = -1;
        if (n >= 12)
        {
            vendor = c[0] | c[1] << 8;
            if (vendor == 0xffff)
            {
                problems.Add("config: reads all ones (the device does not answer; removed or powered off?)");
                n = 0;
            }
            else
            {
                device = c[2] | c[3] << 8;
                rev = c[8];
                cls = c[9] | c[10] << 8 | c[11] << 16;
                if (n >= 15) header = c[14] & 0x7f;
                if (header == 0 && n >= 0x30)
                {
                    sv = c[0x2c] | c[0x2d] << 8;
                    sd = c[0x2e] | c[0x2f] << 8;
                }
            }
        }
        if (vendor < 0 || n < 12)
        {
            vendor = ReadHex(dir, "vendor", problems);
            device = ReadHex(dir, "device", problems);
            cls = ReadHex(dir, "class", problems);
            rev = ReadHex(dir, "revision", problems);
        }
        // Bridges keep their subsystem in a capability beyond the header; the kernel exposes it in sysfs.
        if (sv < 0)
        {
            sv = ReadHex(dir, "subsystem_vendor", problems, optional: true);
            sd = ReadHex(dir, "subsystem_device", problems, optional: true);
        }
        d.VendorId = Hex4(vendor);
        d.DeviceId = Hex4(device);
        d.SubsystemVendorId = Hex4(sv);
        d.SubsystemDeviceId = Hex4(sd);
        d.Revision = rev >= 0 ? (rev & 0xff).ToString("x2", CultureInfo.InvariantCulture) : null;
        d.ClassCode = cls >= 0 ? (cls & 0xffffff).ToString("x6", CultureInfo.InvariantCulture) : null;
        d.IsBridge = header is 1 or 2 || (header < 0 && cls >= 0 && (cls >> 8 == 0x0604 || cls >> 8 == 0x0607));
    }

    private void Name(PciDevice d)
    {
        var ids = Ids;
        if (d.VendorId is { } vs)
        {
            var v = HexValue(vs);
            d.VendorName = ids.VendorName(v) ?? $"Vendor {vs}";
            if (d.DeviceId is { } ds)
            {
                var dv = HexValue(ds);
                d.DeviceName = ids.DeviceName(v, dv) ?? $"Device {ds}";
                if (d.SubsystemVendorId is { } svs && d.SubsystemDeviceId is { } sds)
                {
                    int sv = HexValue(svs), sd = HexValue(sds);
                    if (sv != 0 && sv != 0xffff)
                    {
                        // Same fallbacks as lspci: the subsystem entry, the device's own name when the
                        // subsystem repeats the ids, else a number.
                        var sub = ids.SubsystemName(v, dv, sv, sd) ?? (sv == v && sd == dv ? ids.DeviceName(v, dv) : null);
                        var subVendor = ids.VendorName(sv);
                        // lspci drops an unknown subsystem vendor altogether ("Device [beef:dead]").
                        d.SubsystemName = subVendor is null ? sub ?? $"Device {sds}" : subVendor + " " + (sub ?? $"Device {sds}");
                    }
                }
            }
        }
        if (d.ClassCode is { } cs)
        {
            var c = HexValue(cs);
            int bc = c >> 16, sc = c >> 8 & 0xff, pi = c & 0xff;
            d.BaseClassName = ids.ClassName(bc);
            d.SubclassName = ids.SubclassName(bc, sc);
            d.ProgrammingInterfaceName = ids.ProgIfName(bc, sc, pi);
            d.ClassName = d.SubclassName ?? d.BaseClassName ?? $"Class {cs[..4]}";
        }
    }

    private string? ReadText(string path, List<string> problems)
    {
        Span<byte> buf = stackalloc byte[512];
        int n;
        try { n = _fs.Read(path, buf); }
        catch (HostIOException e)
        {
            if (e.Errno != Errno.ENOENT) problems.Add($"{HostPath.Name(path)}: {HostIOException.Describe(e.Errno)}");
            return null;
        }
        var s = buf[..n];
        while (s.Length > 0 && (s[^1] == '\n' || s[^1] == ' ' || s[^1] == 0)) s = s[..^1];
        return Encoding.UTF8.GetString(s);
    }

    private int? ReadInt(string dir, string file, List<string> problems)
    {
        var t = ReadText(dir + "/" + file, problems);
        if (t is null) return null;
        if (int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)) return v;
        Garbage(file, t, problems);
        return null;
    }

    private int ReadHex(string dir, string file, List<string> problems, bool optional = false)
    {
        string? t;
        if (optional)
        {
            Span<byte> probe = stackalloc byte[32];
            try
            {
                var n = _fs.Read(dir + "/" + file, probe);
                t = Encoding.ASCII.GetString(probe[..n]).Trim();
            }
            catch (HostIOException) { return -1; }
        }
        else
        {
            t = ReadText(dir + "/" + file, problems);
            if (t is null) { problems.Add($"{file}: missing"); return -1; }
        }
        var s = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? t[2..] : t;
        if (s.Length is > 0 and <= 8 && int.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v))
            return v;
        Garbage(file, t, problems);
        return -1;
    }

    private static bool? Garbage(string file, string value, List<string> problems)
    {
        var shown = value.Length > 40 ? value[..40] + "..." : value;
        problems.Add($"{file}: unexpected content '{shown}'");
        return null;
    }

    private static string? Hex4(int v) => v >= 0 ? (v & 0xffff).ToString("x4", CultureInfo.InvariantCulture) : null;

    private static int HexValue(string hex) => int.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
}
