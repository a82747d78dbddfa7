using System.Globalization;
using VirtTools.Pci;

namespace VirtTools.Testing;

/// <summary>What one PCI function in a synthetic tree looks like. Ids are bare lowercase hex.</summary>
public sealed record PciSpec
{
    public required string Address { get; init; }
    /// <summary>Address of the bridge above; null puts the function on the root bus (pciDDDD:BB).</summary>
    public string? Parent { get; init; }
    public string Vendor { get; init; } = "8086";
    public string Device { get; init; } = "10d3";
    public string SubsystemVendor { get; init; } = "8086";
    public string SubsystemDevice { get; init; } = "a01f";
    public string Class { get; init; } = "020000";
    public string Revision { get; init; } = "00";
    public string? Driver { get; init; }
    public string? DriverOverride { get; init; }
    public int? IommuGroup { get; init; }
    public int NumaNode { get; init; } = -1;
    public bool? BootVga { get; init; }
    public string? LinkSpeed { get; init; }
    public int? LinkWidth { get; init; }
    public string? ResetMethod { get; init; }
    /// <summary>Write the 64-byte config header (lspci reads it; so does the fast path of the reader).</summary>
    public bool WriteConfig { get; init; } = true;
    public bool IsBridge => Class.StartsWith("0604", StringComparison.Ordinal);
}

/// <summary>
/// Builds a sysfs/procfs tree laid out as the kernel lays it out: device directories under
/// /sys/devices/pciDDDD:BB, relative symlinks from /sys/bus/pci/devices, driver and
/// iommu_group links, /sys/kernel/iommu_groups/N/devices, and SR-IOV virtfnN/physfn links.
/// </summary>
public sealed class SysfsTreeBuilder
{
    private readonly Dictionary<string, string> _deviceDirs = new(StringComparer.Ordinal);

    public SysfsTreeBuilder(string root)
    {
        Root = root;
        Directory.CreateDirectory(root);
        EnsureDir("/sys/bus/pci/devices");
        EnsureDir("/sys/bus/pci/drivers");
        File(  "/sys/bus/pci/drivers_probe", "");
        File("/sys/bus/pci/rescan", "");
    }

    public string Root { get; }

    public string OnDisk(string hostPath) => Path.Join(Root, hostPath);

    /// <summary>The host path of a function's real directory (/sys/devices/pci0000:00/...).</summary>
    public string DeviceDir(string address) =>
        FindDeviceDir(Norm(address)) ?? throw new KeyNotFoundException($"There is no PCI function {address} under {Root}.");

    /// <summary>
    /// A function this builder made, or one on disk: a tree opened by a second process (or changed by one,
    /// as VFs come and go) is known only through its /sys/bus/pci/devices links.
    /// </summary>
    private string? FindDeviceDir(string addr)
    {
        if (_deviceDirs.TryGetValue(addr, out var known) && Directory.Exists(OnDisk(known))) return known;
        var link = OnDisk("/sys/bus/pci/devices/" + addr);
        if (new FileInfo(link).LinkTarget is not string target) return null;
        var full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(link)!, target));
        if (!Directory.Exists(full)) return null;
        return _deviceDirs[addr] = "/" + Path.GetRelativePath(Path.GetFullPath(Root), full);
    }

    public SysfsTreeBuilder File(string hostPath, string content)
    {
        var p = OnDisk(hostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        System.IO.File.WriteAllText(p, content);
        return this;
    }

    public SysfsTreeBuilder Bytes(string hostPath, byte[] content)
    {
        var p = OnDisk(hostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        System.IO.File.WriteAllBytes(p, content);
        return this;
    }

    /// <summary>A relative symlink at <paramref name="hostPath"/> to <paramref name="hostTarget"/>, as sysfs makes them.</summary>
    public SysfsTreeBuilder Link(string hostPath, string hostTarget)
    {
        var p = OnDisk(hostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        if (System.IO.File.Exists(p) || new FileInfo(p).LinkTarget != null) System.IO.File.Delete(p);
        var rel = Path.GetRelativePath(Path.GetDirectoryName(hostPath)!, hostTarget);
        System.IO.File.CreateSymbolicLink(p, rel);
        return this;
    }

    public SysfsTreeBuilder EnsureDir(string hostPath)
    {
        Directory.CreateDirectory(OnDisk(hostPath));
        return this;
    }

    /// <summary>Registers a driver: /sys/bus/pci/drivers/NAME with bind, unbind, new_id, remove_id, and /sys/module/NAME.</summary>
    public SysfsTreeBuilder Driver(string name, string? module = null)
    {
        var d = "/sys/bus/pci/drivers/" + name;
        if (Directory.Exists(OnDisk(d))) return this;
        foreach (var f in new[] { "bind", "unbind", "new_id", "remove_id", "uevent" }) File(d + "/" + f, "");
        var mod = module ?? name.Replace('-', '_');
        EnsureDir("/sys/module/" + mod);
        Link(d + "/module", "/sys/module/" + mod);
        return this;
    }

    public SysfsTreeBuilder Pci(PciSpec s)
    {
        var a = PciAddress.Parse(s.Address);
        var addr = a.ToString();
        string dir;
        if (s.Parent is null)
            dir = $"/sys/devices/pci{a.Domain:x4}:{a.Bus:x2}/{addr}";
        else
            dir = DeviceDir(s.Parent) + "/" + addr;
        _deviceDirs[addr] = dir;
        File(dir + "/vendor", $"0x{s.Vendor}\n");
        File(dir + "/device", $"0x{s.Device}\n");
        File(dir + "/subsystem_vendor", $"0x{s.SubsystemVendor}\n");
        File(dir + "/subsystem_device", $"0x{s.SubsystemDevice}\n");
        File(dir + "/class", $"0x{s.Class}\n");
        File(dir + "/revision", $"0x{s.Revision}\n");
        File(dir + "/driver_override", (s.DriverOverride ?? "(null)") + "\n");
        File(dir + "/numa_node", s.NumaNode.ToString(CultureInfo.InvariantCulture) + "\n");
        File(dir + "/modalias", $"pci:v0000{s.Vendor.ToUpperInvariant()}d0000{s.Device.ToUpperInvariant()}sv0000{s.SubsystemVendor.ToUpperInvariant()}sd0000{s.SubsystemDevice.ToUpperInvariant()}bc{s.Class[..2].ToUpperInvariant()}sc{s.Class.Substring(2, 2).ToUpperInvariant()}i{s.Class.Substring(4, 2).ToUpperInvariant()}\n");
        File(dir + "/enable", "1\n");
        File(dir + "/uevent", $"PCI_SLOT_NAME={addr}\n");
        if (s.BootVga is bool vga) File(dir + "/boot_vga", vga ? "1\n" : "0\n");
        if (s.LinkSpeed is not null)
        {
            File(dir + "/current_link_speed", s.LinkSpeed + "\n");
            File(dir + "/max_link_speed", s.LinkSpeed + "\n");
        }
        if (s.LinkWidth is int w)
        {
            File(dir + "/current_link_width", w + "\n");
            File(dir + "/max_link_width", w + "\n");
        }
        if (s.ResetMethod is not null)
        {
            File(dir + "/reset_method", s.ResetMethod + "\n");
            File(dir + "/reset", "");
        }
        if (s.WriteConfig) Bytes(dir + "/config", ConfigHeader(s));
        Link(dir + "/subsystem", "/sys/bus/pci");
        Link("/sys/bus/pci/devices/" + addr, dir);
        if (s.Driver is not null) BindDriver(addr, s.Driver);
        if (s.IommuGroup is int g) Group(addr, g);
        return this;
    }

    public SysfsTreeBuilder Pci(string address, string? parent = null, string vendor = "8086", string device = "10d3",
        string classCode = "020000", string? driver = null, int? iommuGroup = null) =>
        Pci(new PciSpec { Address = address, Parent = parent, Vendor = vendor, Device = device, Class = classCode, Driver = driver, IommuGroup = iommuGroup });

    /// <summary>Points the device's driver link at NAME and adds the driver's back link (registers the driver if new).</summary>
    public SysfsTreeBuilder BindDriver(string address, string driver)
    {
        var addr = Norm(address);
        Driver(driver);
        Link(DeviceDir(addr) + "/driver", "/sys/bus/pci/drivers/" + driver);
        Link($"/sys/bus/pci/drivers/{driver}/{addr}", DeviceDir(addr));
        return this;
    }

    public SysfsTreeBuilder Group(string address, int group)
    {
        var addr = Norm(address);
        var g = "/sys/kernel/iommu_groups/" + group.ToString(CultureInfo.InvariantCulture);
        if (!System.IO.File.Exists(OnDisk(g + "/type"))) File(g + "/type", "DMA\n");
        if (!System.IO.File.Exists(OnDisk(g + "/reserved_regions"))) File(g + "/reserved_regions", "0x00000000fee00000 0x00000000feefffff msi\n");
        EnsureDir(g + "/devices");
        Link($"{g}/devices/{addr}", DeviceDir(addr));
        Link(DeviceDir(addr) + "/iommu_group", g);
        return this;
    }

    /// <summary>Makes a PF SR-IOV capable and creates <paramref name="numVfs"/> VFs (offset 128, stride 2 like many NICs), each in its own group when <paramref name="firstVfGroup"/> is given.</summary>
    public SysfsTreeBuilder Sriov(string pfAddress, int totalVfs, int numVfs, string vfDevice, string? vfDriver = null,
        int? firstVfGroup = null, int offset = 128, int stride = 2)
    {
        var pf = PciAddress.Parse(pfAddress);
        var dir = DeviceDir(pf.ToString());
        File(dir + "/sriov_totalvfs", totalVfs + "\n");
        File(dir + "/sriov_numvfs", numVfs + "\n");
        File(dir + "/sriov_offset", offset + "\n");
        File(dir + "/sriov_stride", stride + "\n");
        File(dir + "/sriov_vf_device", vfDevice + "\n");
        File(dir + "/sriov_drivers_autoprobe", "1\n");
        for (var i = 0; i < numVfs; i++)
            AddVf(pf.ToString(), i, vfDriver, firstVfGroup is int g ? g + i : null);
        return this;
    }

    /// <summary>The address of VF <paramref name="index"/>: the PF's routing ID + sriov_offset + index × sriov_stride.</summary>
    public string VfAddress(string pfAddress, int index)
    {
        var pf = PciAddress.Parse(pfAddress);
        var dir = DeviceDir(pf.ToString());
        var offset = int.Parse(System.IO.File.ReadAllText(OnDisk(dir + "/sriov_offset")).Trim(), CultureInfo.InvariantCulture);
        var stride = int.Parse(System.IO.File.ReadAllText(OnDisk(dir + "/sriov_stride")).Trim(), CultureInfo.InvariantCulture);
        var rid = (pf.Bus << 8 | pf.Slot << 3 | pf.Function) + offset + index * stride;
        return new PciAddress(pf.Domain, rid >> 8, (rid >> 3) & 0x1f, rid & 7).ToString();
    }

    /// <summary>Creates VF <paramref name="index"/> of an SR-IOV PF (its device directory, physfn, and the PF's virtfnN link).</summary>
    public SysfsTreeBuilder AddVf(string pfAddress, int index, string? vfDriver = null, int? iommuGroup = null, bool linkFromPf = true)
    {
        var pf = PciAddress.Parse(pfAddress).ToString();
        var dir = DeviceDir(pf);
        var vfDevice = System.IO.File.ReadAllText(OnDisk(dir + "/sriov_vf_device")).Trim();
        var vendor = System.IO.File.ReadAllText(OnDisk(dir + "/vendor")).Trim()[2..];
        var vf = VfAddress(pf, index);
        Pci(new PciSpec
        {
            Address = vf, Parent = HostParentAddress(dir), Vendor = vendor, Device = vfDevice, Driver = vfDriver,
            IommuGroup = iommuGroup, ResetMethod = "flr",
        });
        if (linkFromPf) Link($"{dir}/virtfn{index}", DeviceDir(vf));
        Link(DeviceDir(vf) + "/physfn", dir);
        return this;
    }

    /// <summary>Removes a VF as the kernel does when SR-IOV is disabled: its directory, bus link, driver link and IOMMU group.</summary>
    public SysfsTreeBuilder RemoveVf(string pfAddress, int index)
    {
        var pf = PciAddress.Parse(pfAddress).ToString();
        var link = OnDisk($"{DeviceDir(pf)}/virtfn{index}");
        var vf = VfAddress(pf, index);
        if (System.IO.File.Exists(link) || new FileInfo(link).LinkTarget != null) System.IO.File.Delete(link);
        if (FindDeviceDir(vf) is not string vfDir) return this;
        var group = new FileInfo(OnDisk(vfDir + "/iommu_group")).LinkTarget;
        if (group is not null)
        {
            var groupDir = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(OnDisk(vfDir + "/iommu_group"))!, group));
            var member = Path.Join(groupDir, "devices", vf);
            if (new FileInfo(member).LinkTarget != null) System.IO.File.Delete(member);
            if (Directory.Exists(Path.Join(groupDir, "devices")) && Directory.GetFileSystemEntries(Path.Join(groupDir, "devices")).Length == 0)
                Directory.Delete(groupDir, recursive: true);
        }
        var driver = new FileInfo(OnDisk(vfDir + "/driver")).LinkTarget;
        if (driver is not null)
        {
            var back = OnDisk($"/sys/bus/pci/drivers/{Path.GetFileName(driver)}/{vf}");
            if (new FileInfo(back).LinkTarget != null) System.IO.File.Delete(back);
        }
        System.IO.File.Delete(OnDisk("/sys/bus/pci/devices/" + vf));
        Directory.Delete(OnDisk(vfDir), recursive: true);
        _deviceDirs.Remove(vf);
        return this;
    }

    /// <summary>Text under /proc (e.g. "cmdline", "cpuinfo", "mounts").</summary>
    public SysfsTreeBuilder Proc(string name, string content) => File("/proc/" + name, content);

    private static string? HostParentAddress(string dir)
    {
        var parent = Path.GetFileName(Path.GetDirectoryName(dir)!);
        return PciAddress.TryParse(parent, out var a) && parent.Contains('.') ? a.ToString() : null;
    }

    private static string Norm(string address) => PciAddress.Parse(address).ToString();

    private static byte[] ConfigHeader(PciSpec s)
    {
        var c = new byte[64];
        void W16(int off, string hex) { var v = Convert.ToUInt16(hex, 16); c[off] = (byte)v; c[off + 1] = (byte)(v >> 8); }
        W16(0, s.Vendor);
        W16(2, s.Device);
        c[8] = Convert.ToByte(s.Revision, 16);
        c[9] = Convert.ToByte(s.Class.Substring(4, 2), 16);
        c[10] = Convert.ToByte(s.Class.Substring(2, 2), 16);
        c[11] = Convert.ToByte(s.Class[..2], 16);
        c[14] = (byte)(s.IsBridge ? 1 : 0);
        if (!s.IsBridge)
        {
            W16(0x2c, s.SubsystemVendor);
            W16(0x2e, s.SubsystemDevice);
        }
        return c;
    }
}
