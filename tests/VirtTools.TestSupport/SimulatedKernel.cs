using System.Text.RegularExpressions;
using VirtTools.Host;
using VirtTools.Pci;

namespace VirtTools.Testing;

/// <summary>
/// The PCI core of a kernel, simulated over a tree built with <see cref="SysfsTreeBuilder"/> (like
/// libvirt's virpcimock, but as an <see cref="IHostFileSystem"/>). Writes to driver_override,
/// $D/driver/unbind, drivers/X/bind, drivers_probe, new_id and remove_id act on the tree as the
/// kernel would: driver links change both ways, probing honours driver_override and otherwise
/// matches a registered ID table, and vfio drivers create and remove /dev/vfio/&lt;group&gt;.
/// Faults can be injected per path pattern with an errno; every write is logged. Xen's pciback
/// keeps the devices it took in its slots (drivers/pciback/slots, new_slot, remove_slot) and claims
/// a device in its slots at every later probe, even with driver_override cleared, as seen on a real
/// Xen 4.17 Dom0 (tests/xen).
/// </summary>
public sealed class SimulatedKernel : DiskFileSystem
{
    private sealed class DriverEntry
    {
        public HashSet<string> Ids { get; } = new(StringComparer.OrdinalIgnoreCase);
        public HashSet<string> DynamicIds { get; } = new(StringComparer.OrdinalIgnoreCase);
        /// <summary>vfio-pci since 5.16: its table entries match only through driver_override.</summary>
        public bool OverrideOnly { get; set; }
        public Errno ProbeError { get; set; }
        public int Order { get; set; }
    }

    private sealed class Fault
    {
        public required Regex Pattern { get; init; }
        public required Errno Errno { get; init; }
        public int Times { get; init; }
        public int After { get; init; }
        public int Seen { get; set; }
        public int Fired { get; set; }
    }

    private readonly Dictionary<string, DriverEntry> _drivers = new(StringComparer.Ordinal);
    private readonly List<Fault> _faults = new();
    private readonly List<SimulatedWrite> _writes = new();
    private readonly Dictionary<string, (string Driver, int ReadsLeft)> _pending = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly List<string> _pcibackSlots = new();

    public const string Pciback = "pciback";

    public SimulatedKernel(SysfsTreeBuilder tree) : base(tree.Root)
    {
        Tree = tree;
        Modules = new SimulatedModuleLoader(this);
        Processes = new SimulatedProcessRunner();
        Tree.EnsureDir("/dev");
        Tree.EnsureDir("/run/lock");
        foreach (var d in List(VfioDriversDir)) RegisterDriver(d);
        foreach (var a in List("/sys/bus/pci/devices"))
        {
            if (!PciAddress.TryParse(a, out var pa)) continue;
            var bound = HostPath.LinkName(this, $"/sys/bus/pci/devices/{pa}/driver");
            if (IsVfio(bound)) CreateVfioNode(pa);
            if (bound == Pciback) AddPcibackSlot(pa);
        }
    }

    /// <summary>The addresses in pciback's slots, as drivers/pciback/slots lists them.</summary>
    public IReadOnlyList<string> PcibackSlots { get { lock (_gate) return _pcibackSlots.ToArray(); } }

    private const string VfioDriversDir = "/sys/bus/pci/drivers";

    public SysfsTreeBuilder Tree { get; }
    public SimulatedModuleLoader Modules { get; }
    public SimulatedProcessRunner Processes { get; }

    /// <summary>A host context over this kernel; give it to code under test or install it with <see cref="Install"/>.</summary>
    public HostContext Context => new(this, Modules, Processes);

    /// <summary>Makes <see cref="HostContext.Current"/> return this kernel (for cmdlets, also from Pester) until disposed.</summary>
    public IDisposable Install()
    {
        var previous = HostContext.Override;
        HostContext.Override = () => Context;
        return new Restorer(() => HostContext.Override = previous);
    }

    /// <summary>Removes any installed override (for Pester's AfterAll).</summary>
    public static void Uninstall() => HostContext.Override = null;

    /// <summary>
    /// Reads of a device's driver link before an asynchronous probe completes (0 = probes bind at once).
    /// Models nvme's async probe, which binds after drivers_probe returned.
    /// </summary>
    public int AsyncProbeReads { get; set; }

    /// <summary>False models a host where /dev/vfio/&lt;group&gt; never appears (no devtmpfs node, broken udev).</summary>
    public bool CreateVfioNodes { get; set; } = true;

    /// <summary>Every write, in order, with the path as the caller gave it.</summary>
    public IReadOnlyList<SimulatedWrite> Writes { get { lock (_gate) return _writes.ToArray(); } }

    /// <summary>Writes whose path ends with <paramref name="suffix"/>.</summary>
    public IReadOnlyList<SimulatedWrite> WritesTo(string suffix) => Writes.Where(w => w.Path.EndsWith(suffix, StringComparison.Ordinal)).ToArray();

    public void ClearLog() { lock (_gate) _writes.Clear(); }

    /// <summary>
    /// Registers a driver (its directory appears) with an ID table of "vvvv:dddd" entries. An
    /// override-only driver (vfio-pci) binds a device only through driver_override or new_id.
    /// </summary>
    public SimulatedKernel RegisterDriver(string name, IEnumerable<string>? ids = null, bool overrideOnly = false)
    {
        lock (_gate)
        {
            Tree.Driver(name);
            if (name == Pciback) WritePcibackSlots();
            if (!_drivers.TryGetValue(name, out var d))
                _drivers[name] = d = new DriverEntry { Order = _drivers.Count };
            foreach (var id in ids ?? Array.Empty<string>()) d.Ids.Add(id);
            d.OverrideOnly = overrideOnly || IsVfio(name);
        }
        return this;
    }

    public SimulatedKernel RegisterDriver(string name, params string[] ids) => RegisterDriver(name, ids, false);

    /// <summary>
    /// Makes <paramref name="driver"/> the first one a probe tries, as a driver registered earlier is
    /// (xen-pciback loaded from the initrd before the NIC drivers, as in the Xen lab).
    /// </summary>
    public SimulatedKernel ProbeFirst(string driver)
    {
        lock (_gate) _drivers[driver].Order = _drivers.Values.Min(d => d.Order) - 1;
        return this;
    }

    /// <summary>Makes the driver's probe fail (the device stays unbound; a bind write returns the errno).</summary>
    public SimulatedKernel FailProbe(string driver, Errno errno = Errno.ENODEV)
    {
        lock (_gate) _drivers[driver].ProbeError = errno;
        return this;
    }

    public bool IsRegistered(string driver) { lock (_gate) return _drivers.ContainsKey(driver); }

    /// <summary>
    /// Makes writes whose path (as given, or with symlinks resolved) matches <paramref name="pathPattern"/>
    /// (* and ? wildcards) fail with <paramref name="errno"/>: after <paramref name="after"/> matching
    /// writes went through, <paramref name="times"/> times (0 = always).
    /// </summary>
    public SimulatedKernel Fail(string pathPattern, Errno errno, int times = 1, int after = 0)
    {
        var rx = "^" + Regex.Escape(pathPattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$";
        lock (_gate) _faults.Add(new Fault { Pattern = new Regex(rx), Errno = errno, Times = times, After = after });
        return this;
    }

    private (int Number, Errno Errno, bool Sticky, string? Path)? _failNth;
    private int? _vfGroupBase;

    /// <summary>
    /// Makes the <paramref name="n"/>-th write from now (1 = the next) fail with <paramref name="errno"/>, whatever its
    /// path: a table of "every write in turn" without knowing the paths. <paramref name="sticky"/>: every later write to
    /// that same path fails too (a device that stays refusing), so a rollback through it fails as well.
    /// </summary>
    public SimulatedKernel FailWriteNumber(int n, Errno errno, bool sticky = false)
    {
        lock (_gate) _failNth = (_writes.Count + n, errno, sticky, null);
        return this;
    }

    /// <summary>Removes every injected fault (the kernel accepts writes again).</summary>
    public void ClearFaults()
    {
        lock (_gate) { _faults.Clear(); _failNth = null; }
    }

    /// <summary>Attaches the driver to every unbound device it matches, as registering a driver does.</summary>
    public void AttachUnbound(string driver)
    {
        using var across = EnterProcessGate();
        lock (_gate)
        {
            foreach (var name in List("/sys/bus/pci/devices"))
                if (PciAddress.TryParse(name, out var a) && DriverOf(a) is null && Matches(driver, a))
                    TryBind(a, driver, sync: true);
        }
    }

    public string? DriverOf(PciAddress a) => HostPath.LinkName(this, $"/sys/bus/pci/devices/{a}/driver");
    public string? DriverOf(string address) => DriverOf(PciAddress.Parse(address));
    public string DriverOverrideOf(string address) => ReadAllText($"/sys/bus/pci/devices/{PciAddress.Parse(address)}/driver_override").Trim();

    public override string? ReadLink(string path)
    {
        lock (_gate)
        {
            if (_pending.Count > 0 && path.EndsWith("/driver", StringComparison.Ordinal))
            {
                var dev = HostPath.Resolve(this, HostPath.Parent(path));
                foreach (var (addr, p) in _pending.ToArray())
                {
                    if (HostPath.Resolve(this, "/sys/bus/pci/devices/" + addr) != dev) continue;
                    if (p.ReadsLeft <= 1)
                    {
                        _pending.Remove(addr);
                        if (DriverOf(PciAddress.Parse(addr)) is null) Bind(PciAddress.Parse(addr), p.Driver);
                    }
                    else _pending[addr] = (p.Driver, p.ReadsLeft - 1);
                }
            }
            return base.ReadLink(path);
        }
    }

    private string? _processGate;

    /// <summary>
    /// Makes this kernel one of several processes' views of the same tree (see SimulatedHosts.OpenWorkstation):
    /// each write to it runs whole under a lock that the other processes' kernels take too, as the real
    /// kernel runs a bind, an unbind or a sriov_numvfs store under the device's lock. What it keeps in
    /// memory (drivers' ID tables) must then be set up alike in every process.
    /// </summary>
    public SimulatedKernel ShareAcrossProcesses()
    {
        _processGate = Path.Join(Root, ".simulated-kernel.lock");
        return this;
    }

    internal FileStream? EnterProcessGate()
    {
        if (_processGate is null) return null;
        while (true)
        {
            // FileShare.None is flock(LOCK_EX | LOCK_NB) on Linux: the other processes' writes wait here.
            try { return new FileStream(_processGate, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) { Thread.Sleep(1); }
        }
    }

    public override void Write(string path, string value)
    {
        using var across = EnterProcessGate();
        lock (_gate)
        {
            var norm = HostPath.Normalize(path);
            var dir = HostPath.Resolve(this, HostPath.Parent(norm));
            var resolved = dir is null ? norm : dir + "/" + HostPath.Name(norm);
            _writes.Add(new SimulatedWrite(norm, value, resolved));
            if (_failNth is { } nth)
            {
                if (nth.Path is null && _writes.Count == nth.Number)
                {
                    _failNth = nth.Sticky ? (nth.Number, nth.Errno, true, resolved) : null;
                    throw new HostIOException(norm, nth.Errno);
                }
                if (nth.Path == resolved) throw new HostIOException(norm, nth.Errno);
            }
            foreach (var f in _faults)
            {
                if (!f.Pattern.IsMatch(norm) && !f.Pattern.IsMatch(resolved)) continue;
                f.Seen++;
                if (f.Seen <= f.After || (f.Times > 0 && f.Fired >= f.Times)) continue;
                f.Fired++;
                throw new HostIOException(norm, f.Errno);
            }
            if (dir is null || !FileExists(resolved)) throw new HostIOException(norm, Errno.ENOENT);

            var name = HostPath.Name(resolved);
            var parent = HostPath.Parent(resolved);
            if (name == "sriov_numvfs" && resolved.StartsWith("/sys/devices/", StringComparison.Ordinal))
            {
                SriovNumVfsWrite(norm, parent, value);
                return;
            }
            if (name == "sriov_drivers_autoprobe" && resolved.StartsWith("/sys/devices/", StringComparison.Ordinal))
            {
                // kstrtobool: 0/1, y/n, on/off.
                var v = value.Trim().ToLowerInvariant();
                bool? b = v switch { "1" or "y" or "yes" or "on" => true, "0" or "n" or "no" or "off" => false, _ => null };
                if (b is null) throw new HostIOException(norm, Errno.EINVAL);
                base.Write(resolved, b.Value ? "1\n" : "0\n");
                return;
            }
            if (name == "driver_override" && resolved.StartsWith("/sys/devices/", StringComparison.Ordinal))
            {
                var v = value.Split('\n')[0];
                if (v.Length >= 4096) throw new HostIOException(norm, Errno.EINVAL);
                base.Write(resolved, (v.Length == 0 ? "(null)" : v) + "\n");
                return;
            }
            if (resolved == "/sys/bus/pci/drivers_probe")
            {
                var a = DeviceArg(norm, value);
                if (DriverOf(a) is null) Probe(a);
                return;
            }
            if (HostPath.Parent(parent) == VfioDriversDir)
            {
                var driver = HostPath.Name(parent);
                switch (name)
                {
                    case "unbind":
                    {
                        var a = DeviceArg(norm, value);
                        if (DriverOf(a) != driver) throw new HostIOException(norm, Errno.ENODEV);
                        Unbind(a, driver);
                        return;
                    }
                    case "bind":
                    {
                        var a = DeviceArg(norm, value);
                        if (DriverOf(a) is not null) throw new HostIOException(norm, Errno.EBUSY);
                        if (!Matches(driver, a)) throw new HostIOException(norm, Errno.ENODEV);
                        var e = TryBind(a, driver, sync: true);
                        if (e != Errno.None) throw new HostIOException(norm, e);
                        return;
                    }
                    case "new_id":
                    {
                        var f = value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                        if (f.Length < 2) throw new HostIOException(norm, Errno.EINVAL);
                        var id = $"{f[0]}:{f[1]}".ToLowerInvariant();
                        if (!_drivers[driver].DynamicIds.Add(id)) throw new HostIOException(norm, Errno.EEXIST);
                        AttachUnbound(driver);
                        return;
                    }
                    case "new_slot" when driver == Pciback:
                        AddPcibackSlot(DeviceArg(norm, value));
                        return;
                    case "remove_slot" when driver == Pciback:
                    {
                        // pcistub_device_id_remove: ENOENT when the slot is not listed.
                        if (!PciAddress.TryParse(value.Trim(), out var a) || !_pcibackSlots.Remove(a.ToString())) throw new HostIOException(norm, Errno.ENOENT);
                        WritePcibackSlots();
                        return;
                    }
                    case "remove_id":
                    {
                        var f = value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                        if (f.Length < 2 || !_drivers[driver].DynamicIds.Remove($"{f[0]}:{f[1]}")) throw new HostIOException(norm, Errno.ENODEV);
                        return;
                    }
                }
            }
            base.Write(resolved, value);
        }
    }

    private readonly Dictionary<string, int> _sriovLimits = new(StringComparer.Ordinal);
    private readonly HashSet<string> _noSriovConfigure = new(StringComparer.Ordinal);
    private readonly List<(string Pf, int Index, int ReadsLeft)> _pendingVfLinks = new();

    /// <summary>Makes the PF's driver enable at most <paramref name="max"/> VFs and still report success, as "only %d enabled".</summary>
    public SimulatedKernel LimitVfs(string pfAddress, int max)
    {
        lock (_gate) _sriovLimits[PciAddress.Parse(pfAddress).ToString()] = max;
        return this;
    }

    /// <summary>A driver without .sriov_configure: sriov_numvfs writes get ENOENT while it is bound.</summary>
    public SimulatedKernel NoSriovConfigure(string driver)
    {
        lock (_gate) _noSriovConfigure.Add(driver);
        return this;
    }

    /// <summary>virtfnN links appear only after this many reads of them (an asynchronous enable); -1 = never.</summary>
    public int VfLinkDelayReads { get; set; }

    /// <summary>The IOMMU group of the next VF (each VF its own group, as behind an ACS-capable port); null = no IOMMU.</summary>
    public int? NextVfGroup { get; set; } = 100;

    /// <summary>sriov_numvfs_store of drivers/pci/iov.c, errno for errno.</summary>
    private void SriovNumVfsWrite(string path, string devDir, string value)
    {
        var pf = HostPath.Name(devDir);
        if (!ushort.TryParse(value.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
            throw new HostIOException(path, Errno.EINVAL);
        var total = int.Parse(ReadAllText(devDir + "/sriov_totalvfs").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        if (n > total) throw new HostIOException(path, Errno.ERANGE);
        var cur = int.Parse(ReadAllText(devDir + "/sriov_numvfs").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        if (n == cur) return;
        var driver = HostPath.LinkName(this, devDir + "/driver");
        if (driver is null || _noSriovConfigure.Contains(driver)) throw new HostIOException(path, Errno.ENOENT);
        if (n == 0)
        {
            for (var i = cur - 1; i >= 0; i--)
            {
                var vf = PciAddress.Parse(Tree.VfAddress(pf, i));
                if (DriverOf(vf) is string d) Unbind(vf, d);
                Tree.RemoveVf(pf, i);
            }
            _pendingVfLinks.RemoveAll(p => p.Pf == pf);
            base.Write(devDir + "/sriov_numvfs", "0\n");
            return;
        }
        if (cur != 0) throw new HostIOException(path, Errno.EBUSY);
        var enabled = _sriovLimits.TryGetValue(pf, out var max) ? Math.Min(max, (int)n) : n;
        var autoprobe = ReadAllText(devDir + "/sriov_drivers_autoprobe").Trim() == "1";
        for (var i = 0; i < enabled; i++)
        {
            // The kernel's group ids come from an IDA: the lowest free one, so VFs made again get their old numbers.
            var group = NextVfGroup;
            if (group is int first)
            {
                var g = _vfGroupBase ??= first;
                while (DirectoryExists($"/sys/kernel/iommu_groups/{g}")) g++;
                group = g;
                NextVfGroup = Math.Max(first, g + 1);
            }
            Tree.AddVf(pf, i, null, group, linkFromPf: VfLinkDelayReads == 0);
            if (VfLinkDelayReads != 0) _pendingVfLinks.Add((pf, i, VfLinkDelayReads));
            var vf = PciAddress.Parse(Tree.VfAddress(pf, i));
            if (autoprobe) Probe(vf);
        }
        base.Write(devDir + "/sriov_numvfs", enabled + "\n");
    }

    public override bool Exists(string path)
    {
        lock (_gate)
        {
            if (_pendingVfLinks.Count > 0 && HostPath.Name(path).StartsWith("virtfn", StringComparison.Ordinal))
            {
                for (var i = 0; i < _pendingVfLinks.Count; i++)
                {
                    var (pf, index, left) = _pendingVfLinks[i];
                    if (HostPath.Resolve(this, "/sys/bus/pci/devices/" + pf) != HostPath.Resolve(this, HostPath.Parent(path)) || HostPath.Name(path) != $"virtfn{index}") continue;
                    if (left == 1)
                    {
                        Tree.Link($"{Tree.DeviceDir(pf)}/virtfn{index}", Tree.DeviceDir(Tree.VfAddress(pf, index)));
                        _pendingVfLinks.RemoveAt(i);
                    }
                    else if (left > 1) _pendingVfLinks[i] = (pf, index, left - 1);
                    break;
                }
            }
            return base.Exists(path);
        }
    }

    /// <summary>Makes process <paramref name="pid"/> ("qemu-system-x86") hold <paramref name="node"/> open, as /proc/PID/fd shows it.</summary>
    public SimulatedKernel HoldOpen(int pid, string processName, string node, int fd = 20)
    {
        Tree.File($"/proc/{pid}/comm", processName + "\n");
        var link = Tree.OnDisk($"/proc/{pid}/fd/{fd}");
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        if (File.Exists(link) || new FileInfo(link).LinkTarget != null) File.Delete(link);
        // /proc fd links read as absolute paths of the process's root.
        File.CreateSymbolicLink(link, node);
        return this;
    }

    private PciAddress DeviceArg(string path, string value)
    {
        if (!PciAddress.TryParse(value, out var a) || !Exists("/sys/bus/pci/devices/" + a))
            throw new HostIOException(path, Errno.ENODEV);
        return a;
    }

    private string? OverrideOf(PciAddress a)
    {
        var v = ReadAllText($"/sys/bus/pci/devices/{a}/driver_override").Trim();
        return v is "" or "(null)" ? null : v;
    }

    private string Id(PciAddress a)
    {
        string Hex(string f) => ReadAllText($"/sys/bus/pci/devices/{a}/{f}").Trim().Replace("0x", "", StringComparison.OrdinalIgnoreCase).ToLowerInvariant();
        return $"{Hex("vendor")}:{Hex("device")}";
    }

    private bool Matches(string driver, PciAddress a)
    {
        if (!_drivers.TryGetValue(driver, out var d)) return false;
        var ov = OverrideOf(a);
        if (ov is not null) return ov == driver;
        if (driver == Pciback && _pcibackSlots.Contains(a.ToString())) return true;
        var id = Id(a);
        return d.DynamicIds.Contains(id) || (!d.OverrideOnly && d.Ids.Contains(id));
    }

    private void Probe(PciAddress a)
    {
        var candidates = _drivers.OrderBy(kv => kv.Value.Order).Select(kv => kv.Key);
        var driver = candidates.FirstOrDefault(d => Matches(d, a));
        if (driver is null) return;
        TryBind(a, driver, sync: AsyncProbeReads == 0);
    }

    private Errno TryBind(PciAddress a, string driver, bool sync)
    {
        var e = _drivers[driver].ProbeError;
        if (e != Errno.None) return e;
        if (sync) Bind(a, driver);
        else _pending[a.ToString()] = (driver, AsyncProbeReads);
        return Errno.None;
    }

    private void Bind(PciAddress a, string driver)
    {
        var dev = HostPath.Resolve(this, "/sys/bus/pci/devices/" + a)!;
        Tree.Link(dev + "/driver", $"{VfioDriversDir}/{driver}");
        Tree.Link($"{VfioDriversDir}/{driver}/{a}", dev);
        if (IsVfio(driver)) CreateVfioNode(a);
        if (driver == Pciback) AddPcibackSlot(a);
    }

    private void AddPcibackSlot(PciAddress a)
    {
        if (!_pcibackSlots.Contains(a.ToString())) _pcibackSlots.Add(a.ToString());
        WritePcibackSlots();
    }

    private void WritePcibackSlots()
    {
        if (!DirectoryExists($"{VfioDriversDir}/{Pciback}")) return;
        Tree.File($"{VfioDriversDir}/{Pciback}/slots", string.Concat(_pcibackSlots.Select(s => s + "\n")));
        foreach (var f in new[] { "new_slot", "remove_slot" })
            if (!FileExists($"{VfioDriversDir}/{Pciback}/{f}")) Tree.File($"{VfioDriversDir}/{Pciback}/{f}", "");
    }

    private void Unbind(PciAddress a, string driver)
    {
        var dev = HostPath.Resolve(this, "/sys/bus/pci/devices/" + a)!;
        File.Delete(Map(dev + "/driver"));
        File.Delete(Map($"{VfioDriversDir}/{driver}/{a}"));
        if (!IsVfio(driver) || GroupOf(a) is not int g) return;
        var stillVfio = List($"/sys/kernel/iommu_groups/{g}/devices")
            .Any(m => PciAddress.TryParse(m, out var ma) && IsVfio(DriverOf(ma)));
        if (!stillVfio && File.Exists(Map($"/dev/vfio/{g}"))) File.Delete(Map($"/dev/vfio/{g}"));
    }

    private void CreateVfioNode(PciAddress a)
    {
        if (!CreateVfioNodes || GroupOf(a) is not int g) return;
        Tree.File("/dev/vfio/vfio", "");
        Tree.File($"/dev/vfio/{g}", "");
    }

    private int? GroupOf(PciAddress a) =>
        int.TryParse(HostPath.LinkName(this, $"/sys/bus/pci/devices/{a}/iommu_group"), out var g) ? g : null;

    private static bool IsVfio(string? driver) =>
        driver is not null && (driver == "vfio-pci" || driver.EndsWith("_vfio_pci", StringComparison.Ordinal) || driver.EndsWith("-vfio-pci", StringComparison.Ordinal));

    private sealed class Restorer : IDisposable
    {
        private Action? _undo;
        public Restorer(Action undo) => _undo = undo;
        public void Dispose() { _undo?.Invoke(); _undo = null; }
    }
}

/// <summary>One logged write: the path as the caller wrote it, the value, and the path with symlinks resolved.</summary>
public sealed record SimulatedWrite(string Path, string Value, string ResolvedPath)
{
    public override string ToString() => $"{Path} <- {Value.Replace("\n", "\\n")}";
}
