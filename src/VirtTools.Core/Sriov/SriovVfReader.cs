using System.Globalization;
using System.Text.RegularExpressions;
using VirtTools.Host;
using VirtTools.Pci;
using VirtTools.Vfio;
using Ids = VirtTools.Sriov.SriovVfManager.Ids;

namespace VirtTools.Sriov;

/// <summary>
/// Reads a PF's VFs and their settings through iproute2 on the process seam (`ip -j -d link show dev PF`,
/// vfinfo_list) and runs `ip` for the other parts of <see cref="SriovVfManager"/>; maps the kernel's answers to error ids.
/// </summary>
internal sealed partial class SriovVfReader
{
    private static readonly TimeSpan IpTimeout = TimeSpan.FromSeconds(30);

    private readonly HostContext _host;
    private readonly IHostFileSystem _fs;

    public SriovVfReader(HostContext host)
    {
        _host = host;
        _fs = host.Files;
    }

    /// <summary>The PF behind a PF or VF address, and the VF's index when a VF was given.</summary>
    public (PciAddress Pf, int? Index) ResolvePf(PciAddress address)
    {
        if (!PciFunction.Exists(_fs, address))
            throw new VirtToolsException("DeviceNotFound", FailureKind.ObjectNotFound,
                $"There is no PCI function {address} on this host.", address.ToString(),
                "Run Get-PciDevice -PhysicalFunction to list the SR-IOV physical functions.");
        var dir = PciFunction.Dir(address);
        if (HostPath.LinkName(_fs, dir + "/physfn") is string physfn && PciAddress.TryParse(physfn, out var pf))
        {
            var pfDir = PciFunction.Dir(pf);
            foreach (var n in SafeList(pfDir).Where(n => n.StartsWith("virtfn", StringComparison.Ordinal)))
                if (HostPath.LinkName(_fs, $"{pfDir}/{n}") == address.ToString()
                    && int.TryParse(n.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var idx))
                    return (pf, idx);
            return (pf, null);
        }
        if (!_fs.FileExists(SriovConfigurator.TotalVfsPath(address)))
            throw new VirtToolsException(SriovConfigurator.Ids.NotSupported, FailureKind.InvalidArgument,
                $"{address} is not an SR-IOV physical function (it has no sriov_totalvfs): it has no VFs.",
                address.ToString(), "Run Get-PciDevice -PhysicalFunction to list the SR-IOV physical functions.");
        return (address, null);
    }

    /// <summary>The PF's interface: the first of its net/ entries (a multi-port function lists VFs on each port's netdev alike).</summary>
    public string PfInterface(PciAddress pf)
    {
        var names = SafeList(PciFunction.Dir(pf) + "/net").Order(StringComparer.Ordinal).ToList();
        if (names.Count > 0) return names[0];
        var driver = PciFunction.Driver(_fs, pf);
        var cls = PciFunction.ClassCode(_fs, PciFunction.Dir(pf));
        var what = (cls < 0 ? -1 : cls >> 16) switch
        {
            0x01 => "a storage controller",
            0x03 => "a display controller",
            0x02 => "a network controller",
            0x12 => "a processing accelerator",
            _ => "a device",
        };
        var why = driver is null
            ? $"it has no driver bound, so it has no network interface to ask"
            : $"its driver {driver} created no network interface";
        throw new VirtToolsException(Ids.NotNetworkPf, FailureKind.InvalidArgument,
            $"{pf} is {what} without a network interface ({why}). VF settings (MAC, VLAN, rates, spoof check, trust, link state) are kept by a network PF's driver and set through its interface; the VFs of an NVMe controller or a GPU have none.",
            pf.ToString(),
            cls >= 0 && cls >> 16 == 0x02
                ? $"Bind the PF's network driver (Disable-VfioDevice {pf}, or load its module) so that its interface appears, then retry."
                : "Configure such VFs with the device's own tools (nvme virt-mgmt for NVMe, the vendor's tool for GPUs); Set-SriovVfCount still creates and removes them.");
    }

    public (string Interface, List<SriovVf> Vfs) ReadPf(PciAddress pf)
    {
        var iface = PfInterface(pf);
        var link = ShowLink(pf, iface);
        var dir = PciFunction.Dir(pf);
        var vfs = new List<SriovVf>();
        foreach (var info in link.Vfs.OrderBy(v => v.Index))
        {
            var vf = new SriovVf
            {
                PhysicalFunction = pf.ToString(), PfInterface = link.Interface ?? iface, Index = info.Index,
                MacAddress = info.MacAddress, VlanId = info.VlanId, Qos = info.Qos, VlanProtocol = info.VlanProtocol,
                SpoofCheck = info.SpoofCheck, Trust = info.Trust, LinkState = info.LinkState,
                MinTxRate = info.MinTxRate, MaxTxRate = info.MaxTxRate,
            };
            if (HostPath.LinkName(_fs, $"{dir}/virtfn{info.Index}") is string a && PciAddress.TryParse(a, out var va))
            {
                vf.Address = va.ToString();
                vf.Driver = PciFunction.Driver(_fs, va);
                vf.Interface = SafeList(PciFunction.Dir(va) + "/net").Order(StringComparer.Ordinal).FirstOrDefault();
            }
            vfs.Add(vf);
        }
        return (iface, vfs);
    }

    private IpLinkJson.Link ShowLink(PciAddress pf, string iface)
    {
        var args = new[] { "-j", "-d", "link", "show", "dev", iface };
        var r = RunIp(pf, args);
        if (r.ExitCode != 0)
        {
            var (id, kind, what) = Classify(r.StandardError);
            if (id == Ids.InterfaceGone) throw InterfaceGone(pf, iface);
            throw new VirtToolsException(Ids.IpFailed, kind == FailureKind.PermissionDenied ? kind : FailureKind.ReadError,
                $"ip {string.Join(' ', args)} failed (exit {r.ExitCode}): {what}", pf.ToString(),
                "Check that iproute2 is installed and 4.14 or later (ip -V).");
        }
        return IpLinkJson.Parse(r.StandardOutput, "ip " + string.Join(' ', args));
    }

    public ProcessResult RunIp(PciAddress pf, IReadOnlyList<string> args)
    {
        // On a captured tree the system's ip would answer about the machine VirtTools runs on.
        if (!_host.ProgramsSeeThisRoot)
            throw new VirtToolsException(Ids.CapturedRoot, FailureKind.NotEnabled,
                $"VF settings are read and set through iproute2 (ip), which acts on the running kernel, not on the captured host root {_fs.Root}.",
                pf.ToString(), "Unset VIRTTOOLS_ROOT to act on the live host.");
        try
        {
            return _host.Processes.Run("ip", args, IpTimeout);
        }
        catch (HostIOException e) when (e.Errno == Errno.ENOENT)
        {
            throw new VirtToolsException(Ids.IpMissing, FailureKind.NotInstalled,
                "The ip command (iproute2) is not installed or not on PATH; VirtTools reads and sets VF settings through it.",
                pf.ToString(), "Install iproute2 (zypper install iproute2, apt-get install iproute2).", e);
        }
        catch (HostIOException e)
        {
            throw new VirtToolsException(Ids.IpFailed, FailureKind.OperationTimeout, e.Message, pf.ToString(),
                "Check whether ip hangs on this host (a stuck netlink request).", e);
        }
    }

    public static VirtToolsException InterfaceGone(PciAddress pf, string iface) =>
        new(Ids.InterfaceGone, FailureKind.ObjectNotFound, $"The interface {iface} of {pf} is gone (renamed or its driver unbound while VirtTools read it).",
            pf.ToString(), "Retry; Get-PciDevice shows the PF's driver.");

    [GeneratedRegex(@"^(?:RTNETLINK answers|Error): (?<msg>.+)$", RegexOptions.Multiline)]
    private static partial Regex AnswerLine();

    public static string Answer(string stderr)
    {
        var m = AnswerLine().Match(stderr);
        var text = m.Success ? m.Groups["msg"].Value.Trim() : stderr.Trim();
        return text.Length == 0 ? "no message" : text;
    }

    /// <summary>The kernel's answer (strerror of the errno, or an extack message) to an error id.</summary>
    public static (string Id, FailureKind Kind, string Answer) Classify(string stderr)
    {
        var a = Answer(stderr);
        bool Has(string s) => a.Contains(s, StringComparison.OrdinalIgnoreCase);
        if (Has("Operation not supported") || Has("Protocol not supported") || Has("not supported")) return (Ids.NotSupported, FailureKind.NotImplemented, a);
        if (Has("Invalid argument") || Has("Numerical result out of range")) return (Ids.Rejected, FailureKind.InvalidArgument, a);
        if (Has("Operation not permitted") || Has("Permission denied")) return (Ids.PermissionDenied, FailureKind.PermissionDenied, a);
        if (Has("Device or resource busy") || Has("Resource temporarily unavailable")) return (Ids.Busy, FailureKind.ResourceBusy, a);
        if (Has("No space left") || Has("Cannot allocate memory")) return (Ids.NoSpace, FailureKind.LimitsExceeded, a);
        if (Has("Cannot find device") || Has("No such device")) return (Ids.InterfaceGone, FailureKind.ObjectNotFound, a);
        return (Ids.Failed, FailureKind.InvalidOperation, a);
    }

    public int ReadNumVfs(PciAddress pf)
    {
        try
        {
            return int.TryParse(_fs.ReadAllText(SriovConfigurator.NumVfsPath(pf)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        }
        catch (HostIOException) { return 0; }
    }

    private IReadOnlyList<string> SafeList(string dir)
    {
        try { return _fs.DirectoryExists(dir) ? _fs.List(dir) : Array.Empty<string>(); }
        catch (HostIOException) { return Array.Empty<string>(); }
    }
}
