using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;
using VirtTools.Host;
using VirtTools.PciIds;

namespace VirtTools.Pci;

/// <summary>
/// Reads PCI functions from /sys/bus/pci/devices. One directory listing per device tells which
/// attribute files exist, so absent features cost no failed open; a VF, found by its physfn link,
/// has its few possible attributes tried instead. Identity comes from one read of the 64-byte config
/// header when sysfs has it.
/// </summary>
[SkipLocalsInit]
public sealed class PciDeviceReader
{
    public const string DevicesDir = "/sys/bus/pci/devices";
    public const string DriverctlDir = "/etc/driverctl.d";

    private readonly IHostFileSystem _fs;
    private PciIdsDatabase? _ids;
    private ModuleAliasIndex? _aliases;
    private HashSet<string>? _driverctl;
    private IReadOnlyDictionary<PciAddress, Sriov.SriovRules.Rule>? _sriovRules;

    public PciDeviceReader(IHostFileSystem fs) => _fs = fs;

    /// <summary>Uses this pci.ids instead of the one under the host root (tests, -A style choices).</summary>
    public PciDeviceReader(IHostFileSystem fs, PciIdsDatabase ids) : this(fs) => _ids = ids;

    public IHostFileSystem Files => _fs;

    /// <summary>The pci.ids in use (loaded on first need, cached per process).</summary>
    public PciIdsDatabase Ids => _ids ??= PciIdsDatabase.Load(_fs);

    private ModuleAliasIndex Aliases => _aliases ??= ModuleAliasIndex.Load(_fs, out _);

    public IEnumerable<PciAddress> ListAddresses()
    {
        var list = new List<PciAddress>();
        foreach (var name in _fs.List(DevicesDir))
            if (PciAddress.TryParseSysfsName(name, out var a)) list.Add(a);
        list.Sort();
        return list;
    }

    /// <summary>True when /sys/bus/pci/devices has an entry for the address (even a dangling one).</summary>
    public bool Exists(PciAddress address) => _fs.Exists($"{DevicesDir}/{address}");

    /// <summary>
    /// An address as a user typed it (any form <see cref="PciAddress.TryParse"/> takes) that must exist:
    /// InvalidPciAddress (InvalidArgument) or PciDeviceNotFound (ObjectNotFound) otherwise.
    /// </summary>
    public PciAddress Find(string text)
    {
        var a = PciAddress.Parse(text);
        if (!Exists(a))
            throw new VirtToolsException("PciDeviceNotFound", FailureKind.ObjectNotFound,
                $"There is no PCI device {a} on this host.", text,
                "Run Get-PciDevice to list the devices; addresses can change after a firmware or slot change.");
        return a;
    }

    /// <summary>Every function, in address order, read lazily.</summary>
    public IEnumerable<PciDevice> ReadAll() => Read(ListAddresses().ToList());

    /// <summary>
    /// Reads the given functions, yielding them in the given order. Large lists are read in parallel
    /// batches, the next batch while the caller consumes the current one: the time goes into sysfs
    /// syscalls, which run concurrently, and into the consumer (the PowerShell pipeline), which then
    /// overlaps with them. Batching keeps the pipeline streaming and memory bounded. A PF whose VF list
    /// comes from its VFs in this listing (see <see cref="Listing"/>) waits until they have been read.
    /// </summary>
    public IEnumerable<PciDevice> Read(IReadOnlyList<PciAddress> addresses)
    {
        var serial = addresses.Count < 128 || Environment.ProcessorCount < 2;
        var batch = serial ? 1 : 1024;
        if (!serial) { _ = Ids; _ = Aliases; _ = Driverctl; _ = SriovRuleCounts; } // shared lazies, loaded once before the workers start
        var tree = new DeviceTree(_fs);
        var listing = new Listing(addresses);
        PciDevice[] ReadBatch(int start)
        {
            var result = new PciDevice[Math.Min(batch, addresses.Count - start)];
            if (serial) result[0] = Read(addresses[start], tree, listing, start);
            // No more workers than CPUs: the work is syscalls, and extra threads only add switches.
            else Parallel.For(0, result.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                i => result[i] = Read(addresses[start + i], tree, listing, start + i));
            return result;
        }
        Task<PciDevice[]>? next = serial ? null : Task.Run(() => ReadBatch(0));
        var held = new Queue<PciDevice>();
        try
        {
            for (var start = 0; start < addresses.Count; start += batch)
            {
                var current = next is null ? ReadBatch(start) : next.GetAwaiter().GetResult();
                var following = start + batch;
                if (next is not null && following < addresses.Count) next = Task.Run(() => ReadBatch(following));
                foreach (var d in current) held.Enqueue(d);
                listing.Resolve(start + current.Length, tree);
                while (held.Count > 0 && !listing.IsWaiting(held.Peek())) yield return held.Dequeue();
            }
        }
        finally
        {
            // A consumer that stops early (Select-Object -First) leaves a batch running on the tree's
            // descriptors: closing them under it could hand their numbers to unrelated files.
            try { next?.Wait(); }
            catch (AggregateException) { }
            tree.Dispose();
        }
    }

    /// <summary>
    /// What one listing knows across its devices, so that a PF's VF list need not cost a readlink per
    /// VF. By the SR-IOV spec VF n of a PF has routing ID PF + sriov_offset + n × sriov_stride (the
    /// kernel makes virtfnN from that very sum); each VF's own physfn link, read anyway, confirms it.
    /// The PF's virtfnN links are read instead whenever the sum cannot be checked or disagrees: a VF
    /// not in this listing (a filter, one -Address), a bus number past 255, a VF whose physfn names
    /// another PF or none, a count that is not sriov_numvfs.
    /// </summary>
    private sealed class Listing
    {
        private readonly Dictionary<PciAddress, int> _index;
        // For each position read so far: the PF its physfn names ("" when unreadable), null for a non-VF.
        private readonly string?[] _physfn;
        private readonly List<Pending> _pending = new();
        private readonly HashSet<PciDevice> _waiting = new(ReferenceEqualityComparer.Instance);
        private volatile int _count;

        private sealed record Pending(PciDevice Pf, string Dir, (int N, string Name)[] Links, int[] VfAt, string[] Vfs, int Last);

        public Listing(IReadOnlyList<PciAddress> addresses)
        {
            _index = new Dictionary<PciAddress, int>(addresses.Count);
            for (var i = 0; i < addresses.Count; i++) _index.TryAdd(addresses[i], i);
            _physfn = new string?[addresses.Count];
        }

        /// <summary>Records what the device at <paramref name="at"/> says about its PF; any thread.</summary>
        public void Note(int at, PciDevice d) => _physfn[at] = d.IsVirtualFunction ? d.PhysicalFunction ?? "" : null;

        /// <summary>
        /// Takes the PF's VF list on trust of the offset/stride sum until its VFs are read; false (read the
        /// links) when the sum already fails: a count other than sriov_numvfs, an unreadable offset or
        /// stride, a bus number past 255, two VFs on one address, or a VF not in this listing.
        /// </summary>
        public bool TryDefer(PciAddress pf, PciDevice d, string dir, DeviceDir dd, Func<Attr, bool> has, List<(int N, string Name)> links)
        {
            if (d.SriovNumVfs != links.Count || !has(Attr.SriovOffset) || !has(Attr.SriovStride)) return false;
            var scratch = new List<string>(0); // these files are not part of the device: their trouble is no Problem
            if (ReadInt(dd, Attr.SriovOffset, scratch) is not int offset || ReadInt(dd, Attr.SriovStride, scratch) is not int stride ||
                offset <= 0 || stride < 0 || stride == 0 && links.Count > 1) return false;
            var rid = pf.Bus << 8 | pf.Slot << 3 | pf.Function;
            var at = new int[links.Count];
            var vfs = new string[links.Count];
            var last = -1;
            for (var i = 0; i < links.Count; i++)
            {
                var vf = rid + offset + (long)links[i].N * stride;
                if (vf > 0xffff) return false;
                var va = new PciAddress(pf.Domain, (int)vf >> 8, (int)vf >> 3 & 0x1f, (int)vf & 7);
                if (!_index.TryGetValue(va, out at[i])) return false;
                if (i > 0 && links[i].N == links[i - 1].N) return false;
                vfs[i] = va.ToString();
                last = Math.Max(last, at[i]);
            }
            lock (_pending)
            {
                _pending.Add(new Pending(d, dir, links.ToArray(), at, vfs, last));
                _waiting.Add(d);
                _count = _waiting.Count;
            }
            return true;
        }

        /// <summary>Settles every waiting PF whose VFs are all among the first <paramref name="read"/> positions.</summary>
        public void Resolve(int read, DeviceTree tree)
        {
            lock (_pending) ResolveLocked(read, tree);
        }

        private void ResolveLocked(int read, DeviceTree tree)
        {
            for (var i = _pending.Count - 1; i >= 0; i--)
            {
                var p = _pending[i];
                if (p.Last >= read) continue;
                _pending.RemoveAt(i);
                _waiting.Remove(p.Pf);
                _count = _waiting.Count;
                if (p.VfAt.All(at => _physfn[at] == p.Pf.Address)) p.Pf.VirtualFunctions = p.Vfs;
                else
                {
                    using var dd = tree.Open(p.Dir);
                    p.Pf.VirtualFunctions = ReadVirtfnLinks(dd, p.Links);
                }
            }
        }

        public bool IsWaiting(PciDevice d)
        {
            // A device being yielded was read in a finished batch, so its own entry, if any, is visible;
            // one a worker adds meanwhile is another device's.
            if (_count == 0) return false;
            lock (_pending) return _waiting.Contains(d);
        }
    }

    private static string[] ReadVirtfnLinks(DeviceDir dd, IReadOnlyList<(int N, string Name)> links)
    {
        var vfs = new string[links.Count];
        for (var i = 0; i < vfs.Length; i++)
        {
            var name = DeviceDir.LastComponent(dd.ReadLink(links[i].Name));
            vfs[i] = PciAddress.TryParse(name, out var va) ? va.ToString() : name ?? "";
        }
        return vfs;
    }

    public PciDevice Read(PciAddress address) => Read(address, null, null, -1);

    private PciDevice Read(PciAddress address, DeviceTree? tree, Listing? listing, int at)
    {
        var d = ReadDevice(address, tree, listing);
        listing?.Note(at, d);
        return d;
    }

    private PciDevice ReadDevice(PciAddress address, DeviceTree? tree, Listing? listing)
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
        var target = tree is null ? _fs.ReadLink(link) : tree.ReadBusLink(addr);
        var dir = target is null ? link : Resolve(target);
        d.SysfsPath = dir;

        using var dd = tree is null ? DeviceDir.Open(_fs, dir) : tree.Open(dir);
        var present = 0UL;
        List<(int N, string Name)>? virtfns = null;
        // Most functions of a big listing are VFs. A VF is known by its physfn link, which it has to read
        // anyway; its attributes are then tried, an absent one failing with ENOENT, instead of listing the
        // directory (a listing costs several opens). What a VF cannot have is not tried: a VF has no SR-IOV
        // capability of its own (no sriov_* files, no virtfnN links).
        string? physfn = null;
        var probing = false;
        if (dd.CanProbe)
        {
            physfn = dd.ReadLinkName(Attr.Physfn);
            probing = physfn is not null;
        }
        if (probing)
            present = ~(1UL << (int)Attr.SriovTotalVfs | 1UL << (int)Attr.SriovNumVfs |
                1UL << (int)Attr.SriovOffset | 1UL << (int)Attr.SriovStride | 1UL << (int)Attr.BootVga);
        else dd.Scan(name =>
        {
            var i = DeviceDir.Identify(name);
            if (i >= 0) { present |= 1UL << i; return; }
            if (name.Length > 6 && name.StartsWith("virtfn"u8) &&
                System.Buffers.Text.Utf8Parser.TryParse(name[6..], out int n, out var used) && used == name.Length - 6)
                (virtfns ??= new()).Add((n, Encoding.ASCII.GetString(name)));
        });
        // A probe that found physfn found the directory (asking now would open it for nothing).
        if (!probing && dd.OpenError != Errno.None)
        {
            problems.Add(dd.OpenError == Errno.ENOENT
                ? target is null ? $"{link}: not a device directory" : $"{link}: dangling link to {dir}"
                : $"{dir}: {HostIOException.Describe(dd.OpenError)}");
            d.Problems = problems.ToArray();
            return d;
        }
        // Probing, an attribute counts as present until a read of it fails with ENOENT.
        bool Has(Attr a) => (present & 1UL << (int)a) != 0 && !(probing && dd.IsMissing(a));

        var slash = dir.LastIndexOf('/');
        var parentStart = dir.LastIndexOf('/', Math.Max(slash - 1, 0)) + 1;
        var parentName = slash > parentStart ? dir[parentStart..slash] : "";
        if (PciAddress.TryParseSysfsName(parentName, out var pa)) d.ParentBridge = pa.ToString();

        var id = ReadIdentity(d, dd, Has(Attr.Config), Has, problems);
        // The kernel shows boot_vga on VGA-class functions only (pci_is_vga: class 0300, or the pre-2.0 0001).
        if (probing && id.Class >> 8 is 0x0300 or 0x0001) present |= 1UL << (int)Attr.BootVga;
        Name(d, id, problems);

        if (Has(Attr.Driver)) d.Driver = dd.ReadLinkName(Attr.Driver);
        if (Has(Attr.DriverOverride))
        {
            var o = ReadText(dd, Attr.DriverOverride, problems, "(null)");
            d.DriverOverride = o is null or "" or "(null)" ? null : o;
        }
        if (Driverctl.Count > 0 && Driverctl.Contains("pci-" + addr))
        {
            var p = DriverctlDir + "/pci-" + addr;
            try { d.PersistentDriverOverride = _fs.ReadAllText(p).Trim() is { Length: > 0 } drv ? drv : null; }
            catch (HostIOException e) { problems.Add($"{p}: {HostIOException.Describe(e.Errno)}"); }
        }
        if (Has(Attr.IommuGroup))
        {
            var g = dd.ReadLinkName(Attr.IommuGroup);
            if (int.TryParse(g, NumberStyles.None, CultureInfo.InvariantCulture, out var gi)) d.IommuGroup = gi;
            else if (Has(Attr.IommuGroup)) problems.Add($"iommu_group: link to '{g}' is not a group number");
        }
        if (Has(Attr.NumaNode))
        {
            var n = ReadInt(dd, Attr.NumaNode, problems);
            d.NumaNode = n is >= 0 ? n : null;
        }
        if (Has(Attr.BootVga))
        {
            var v = ReadText(dd, Attr.BootVga, problems);
            d.BootVga = v switch { "1" => true, "0" => false, null => null, _ => Garbage("boot_vga", v, problems) };
        }
        if (Has(Attr.SriovTotalVfs)) d.SriovTotalVfs = ReadCount(dd, Attr.SriovTotalVfs, problems);
        if (Has(Attr.SriovNumVfs)) d.SriovNumVfs = ReadCount(dd, Attr.SriovNumVfs, problems);
        if (SriovRuleCounts.Count > 0 && SriovRuleCounts.TryGetValue(address, out var rule))
            d.PersistentSriovNumVfs = rule.NumVfs;
        if (Has(Attr.Physfn))
        {
            d.IsVirtualFunction = true;
            var pf = probing ? physfn : dd.ReadLinkName(Attr.Physfn);
            d.PhysicalFunction = PciAddress.TryParse(pf, out var pfa) ? pfa.ToString() : pf;
        }
        if (virtfns is not null)
        {
            virtfns.Sort((x, y) => x.N.CompareTo(y.N));
            if (listing is null || !listing.TryDefer(address, d, dir, dd, Has, virtfns)) d.VirtualFunctions = ReadVirtfnLinks(dd, virtfns);
        }
        if (Has(Attr.CurrentLinkSpeed)) d.CurrentLinkSpeed = ReadText(dd, Attr.CurrentLinkSpeed, problems);
        // The four link attributes come and go together (the kernel's PCIe-only attribute group).
        if (probing && dd.IsMissing(Attr.CurrentLinkSpeed))
            present &= ~(1UL << (int)Attr.CurrentLinkWidth | 1UL << (int)Attr.MaxLinkSpeed | 1UL << (int)Attr.MaxLinkWidth);
        if (Has(Attr.CurrentLinkWidth)) d.CurrentLinkWidth = ReadInt(dd, Attr.CurrentLinkWidth, problems);
        if (Has(Attr.MaxLinkSpeed)) d.MaxLinkSpeed = ReadText(dd, Attr.MaxLinkSpeed, problems);
        if (Has(Attr.MaxLinkWidth)) d.MaxLinkWidth = ReadInt(dd, Attr.MaxLinkWidth, problems);
        if (Has(Attr.ResetMethod) && ReadText(dd, Attr.ResetMethod, problems) is { } rm)
            d.ResetMethods = rm.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        if (id.Vendor >= 0 && id.Device >= 0 && id.Class >= 0)
            d.KernelModules = Aliases.Match(id.Vendor, id.Device, Math.Max(id.SubVendor, 0), Math.Max(id.SubDevice, 0), id.Class);

        if (problems.Count > 0) d.Problems = problems.ToArray();
        return d;
    }

    /// <summary>A /sys/bus/pci/devices link target as a host path; the kernel's form is "../../../devices/...".</summary>
    private static string Resolve(string target)
    {
        if (target.StartsWith("../../../devices/", StringComparison.Ordinal) && !target.Contains("/..", StringComparison.Ordinal))
            return "/sys" + target[8..];
        return HostPath.Combine(DevicesDir, target);
    }

    private IReadOnlyDictionary<PciAddress, Sriov.SriovRules.Rule> SriovRuleCounts => _sriovRules ??= Sriov.SriovRules.ReadAll(_fs);

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

    /// <summary>Identity as numbers (-1 = unknown), so naming and module matching need no re-parsing.</summary>
    private readonly record struct Identity(int Vendor, int Device, int SubVendor, int SubDevice, int Class);

    private Identity ReadIdentity(PciDevice d, DeviceDir dd, bool hasConfig, Func<Attr, bool> has, List<string> problems)
    {
        Span<byte> c = stackalloc byte[64];
        var n = 0;
        if (hasConfig)
        {
            n = dd.Read(Attr.Config, c, out var errno);
            if (n < 0)
            {
                // Still "present" unless this read was a probe that found none.
                if (has(Attr.Config)) problems.Add($"config: {HostIOException.Describe(errno)}");
                n = 0;
            }
        }
        int vendor = -1, device = -1, sv = -1, sd = -1, cls = -1, rev = -1, header = -1;
        if (n >= 12)
        {
            vendor = c[0] | c[1] << 8;
            if (vendor == 0xffff)
            {
                // An SR-IOV VF's vendor and device id registers read 0xffff by specification (the
                // kernel takes them from the PF): not a dead device, and sysfs has the real ids.
                if (!has(Attr.Physfn)) problems.Add("config: reads all ones (the device does not answer; removed or powered off?)");
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
        if (n < 12)
        {
            vendor = ReadHex(dd, Attr.Vendor, has, problems, required: true);
            device = ReadHex(dd, Attr.Device, has, problems, required: true);
            cls = ReadHex(dd, Attr.Class, has, problems, required: true);
            rev = ReadHex(dd, Attr.Revision, has, problems, required: true);
        }
        // Bridges keep their subsystem in a capability beyond the header; the kernel exposes it in sysfs.
        if (sv < 0)
        {
            sv = ReadHex(dd, Attr.SubsystemVendor, has, problems, required: false);
            sd = ReadHex(dd, Attr.SubsystemDevice, has, problems, required: false);
        }
        d.VendorId = Hex4(vendor);
        d.DeviceId = Hex4(device);
        d.SubsystemVendorId = Hex4(sv);
        d.SubsystemDeviceId = Hex4(sd);
        d.Revision = rev >= 0 ? Hex2[rev & 0xff] ??= (rev & 0xff).ToString("x2", CultureInfo.InvariantCulture) : null;
        d.ClassCode = cls >= 0 ? Hex6(cls & 0xffffff) : null;
        d.IsBridge = PciHeader.IsBridge(header, cls);
        return new Identity(vendor & (vendor < 0 ? -1 : 0xffff), device < 0 ? -1 : device & 0xffff,
            sv < 0 ? -1 : sv & 0xffff, sd < 0 ? -1 : sd & 0xffff, cls < 0 ? -1 : cls & 0xffffff);
    }

    /// <summary>A blank pci.ids name is a damaged file, not a name: null, and said in Problems.</summary>
    private string? NonBlank(string? name, string what, List<string> problems)
    {
        if (name is null || name.Trim().Length > 0) return name;
        problems.Add($"pci.ids{(Ids.Path is { } p ? $" ({p})" : "")}: blank name for {what}");
        return null;
    }

    /// <summary>What pci.ids says about one identity, and what it could not say.</summary>
    private sealed record Naming(string? VendorName, string? DeviceName, string? SubsystemName, string? BaseClassName,
        string? SubclassName, string? ProgrammingInterfaceName, string? ClassName, string[] Problems);

    // VFs of one PF share their identity: name it once, not once per function.
    private readonly ConcurrentDictionary<Identity, Naming> _naming = new();

    private void Name(PciDevice d, Identity id, List<string> problems)
    {
        var n = _naming.GetOrAdd(id, NameOf);
        d.VendorName = n.VendorName;
        d.DeviceName = n.DeviceName;
        d.SubsystemName = n.SubsystemName;
        d.BaseClassName = n.BaseClassName;
        d.SubclassName = n.SubclassName;
        d.ProgrammingInterfaceName = n.ProgrammingInterfaceName;
        d.ClassName = n.ClassName;
        problems.AddRange(n.Problems);
    }

    private Naming NameOf(Identity id)
    {
        // The ids as ReadIdentity sets them on the device, for the fallback names.
        var d = new PciDevice
        {
            VendorId = Hex4(id.Vendor),
            DeviceId = Hex4(id.Device),
            SubsystemDeviceId = Hex4(id.SubDevice),
            ClassCode = id.Class >= 0 ? Hex6(id.Class) : null,
        };
        var problems = new List<string>(0);
        var ids = Ids;
        if (id.Vendor >= 0)
        {
            var v = id.Vendor;
            d.VendorName = ids.VendorName(v) ?? $"Vendor {d.VendorId}";
            if (id.Device >= 0)
            {
                var dv = id.Device;
                d.DeviceName = ids.DeviceName(v, dv) ?? $"Device {d.DeviceId}";
                int sv = id.SubVendor, sd = id.SubDevice;
                if (sv > 0 && sv != 0xffff && sd >= 0)
                {
                    // Same fallbacks as lspci: the subsystem entry, the device's own name when the
                    // subsystem repeats the ids, else a number.
                    var sub = ids.SubsystemName(v, dv, sv, sd) ?? (sv == v && sd == dv ? ids.DeviceName(v, dv) : null);
                    var subVendor = ids.VendorName(sv);
                    var subText = sub ?? $"Device {d.SubsystemDeviceId}";
                    // lspci drops an unknown subsystem vendor altogether ("Device [beef:dead]").
                    d.SubsystemName = subVendor is null ? subText : subVendor + " " + subText;
                }
            }
        }
        if (id.Class >= 0)
        {
            var c = id.Class;
            int bc = c >> 16, sc = c >> 8 & 0xff, pi = c & 0xff;
            d.BaseClassName = NonBlank(ids.ClassName(bc), $"class {bc:x2}", problems);
            d.SubclassName = NonBlank(ids.SubclassName(bc, sc), $"class {bc:x2}{sc:x2}", problems);
            d.ProgrammingInterfaceName = NonBlank(ids.ProgIfName(bc, sc, pi), $"class {bc:x2}{sc:x2} prog-if {pi:x2}", problems);
            d.ClassName = d.SubclassName ?? d.BaseClassName ?? $"Class {d.ClassCode![..4]}";
        }
        return new Naming(d.VendorName, d.DeviceName, d.SubsystemName, d.BaseClassName, d.SubclassName,
            d.ProgrammingInterfaceName, d.ClassName, problems.ToArray());
    }

    /// <param name="common">A value read often enough to answer with a literal instead of a new string.</param>
    private static string? ReadText(DeviceDir dd, Attr a, List<string> problems, string? common = null)
    {
        Span<byte> buf = stackalloc byte[512];
        var n = ReadRaw(dd, a, buf, problems);
        if (n < 0) return null;
        var s = Trimmed(buf[..n]);
        if (common is not null && Ascii.Equals(s, common)) return common;
        return Text(s, a, problems);
    }

    /// <summary>The attribute's bytes; -1 when it cannot be read (a Problems line unless it is just absent).</summary>
    private static int ReadRaw(DeviceDir dd, Attr a, Span<byte> buf, List<string> problems)
    {
        var n = dd.Read(a, buf, out var errno);
        if (n < 0 && errno != Errno.ENOENT) problems.Add($"{DeviceDir.Names[(int)a]}: {HostIOException.Describe(errno)}");
        return n;
    }

    private static ReadOnlySpan<byte> Trimmed(ReadOnlySpan<byte> s)
    {
        while (s.Length > 0 && (s[^1] == '\n' || s[^1] == ' ' || s[^1] == 0)) s = s[..^1];
        return s;
    }

    private static string? Text(ReadOnlySpan<byte> s, Attr a, List<string> problems)
    {
        // sysfs attributes are one line of printable text; anything else (NULs, invalid UTF-8) is corruption.
        if (s.IndexOfAnyInRange((byte)0, (byte)0x1f) >= 0 || s.Contains((byte)0x7f) || !Utf8.IsValid(s))
        {
            Garbage(DeviceDir.Names[(int)a], Escape(s), problems);
            return null;
        }
        return Encoding.UTF8.GetString(s);
    }

    /// <summary>Printable ASCII as is, every other byte as \xNN, so a Problems line never carries raw binary.</summary>
    private static string Escape(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
            sb.Append(b is >= 0x20 and < 0x7f ? ((char)b).ToString() : $"\\x{b:x2}");
        return sb.ToString();
    }

    private static int? ReadInt(DeviceDir dd, Attr a, List<string> problems)
    {
        Span<byte> buf = stackalloc byte[512];
        var n = ReadRaw(dd, a, buf, problems);
        if (n < 0) return null;
        var s = Trimmed(buf[..n]);
        // The kernel's form ("-1", "16") parsed in place; anything else takes the text path and its checks.
        var digits = s.Length > 0 && s[0] == '-' ? s[1..] : s;
        if (digits.Length is > 0 and <= 9 && digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0)
        {
            var value = 0;
            foreach (var b in digits) value = value * 10 + (b - '0');
            return digits.Length < s.Length ? -value : value;
        }
        var t = Text(s, a, problems);
        if (t is null) return null;
        if (int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)) return v;
        Garbage(DeviceDir.Names[(int)a], t, problems);
        return null;
    }

    /// <summary>A count the kernel prints as an unsigned number: a negative one is garbage, not a value.</summary>
    private static int? ReadCount(DeviceDir dd, Attr a, List<string> problems)
    {
        var v = ReadInt(dd, a, problems);
        if (v is >= 0 or null) return v;
        Garbage(DeviceDir.Names[(int)a], v.Value.ToString(CultureInfo.InvariantCulture), problems);
        return null;
    }

    private static int ReadHex(DeviceDir dd, Attr a, Func<Attr, bool> has, List<string> problems, bool required)
    {
        var file = DeviceDir.Names[(int)a];
        if (!has(a))
        {
            if (required) problems.Add($"{file}: missing");
            return -1;
        }
        var t = ReadText(dd, a, problems);
        if (t is null)
        {
            if (required && !has(a)) problems.Add($"{file}: missing"); // a probe that found none
            return -1;
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

    // 10,000 VFs share a handful of ids: format each once per process (a race only formats one twice).
    private static readonly string?[] Hex4s = new string?[0x10000];
    private static readonly string?[] Hex2 = new string?[0x100];
    private static readonly ConcurrentDictionary<int, string> ClassCodes = new();

    private static string Hex6(int v) => ClassCodes.GetOrAdd(v, c => c.ToString("x6", CultureInfo.InvariantCulture));

    private static string? Hex4(int v) => v >= 0 ? Hex4s[v & 0xffff] ??= (v & 0xffff).ToString("x4", CultureInfo.InvariantCulture) : null;

}
