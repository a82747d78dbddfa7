using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VirtTools.Host;

namespace VirtTools.Testing;

/// <summary>
/// `ip -j -d link show dev X` and `ip link set dev X vf N ...` for simulated PFs, answering as the
/// Linux 6.1 igb driver did under QEMU 10 (tests/fixtures/iproute2/igb-qemu10): link state is
/// EOPNOTSUPP, a minimum rate EINVAL, a multicast MAC EINVAL, a VF beyond the count EINVAL. The VF
/// count follows the PF's sriov_numvfs in the simulated kernel.
/// </summary>
public sealed class SimulatedIpLink
{
    public sealed class Vf
    {
        public string Mac = "00:00:00:00:00:00";
        public int Vlan, Qos, MinTx, MaxTx;
        public bool SpoofCheck = true, Trust;
        public string LinkState = "auto";
    }

    private readonly SimulatedKernel _kernel;
    private readonly Dictionary<string, (string Pf, List<Vf> Vfs)> _pfs = new(StringComparer.Ordinal);

    /// <summary>Settings that answer "Operation not supported" (ip keywords: state, trust, spoofchk, vlan, mac, rate).</summary>
    public HashSet<string> Unsupported { get; } = new(StringComparer.Ordinal) { "state" };
    /// <summary>Whether a non-zero min_tx_rate is refused (igb, ixgbe) with EINVAL.</summary>
    public bool RefuseMinRate { get; set; } = true;
    /// <summary>A scripted failure: the next set whose keyword is this answers the message (e.g. "Device or resource busy").</summary>
    public Dictionary<string, string> FailNext { get; } = new(StringComparer.Ordinal);
    /// <summary>Every `ip link set` argument list run, joined by spaces.</summary>
    public List<string> Sets { get; } = new();

    public SimulatedIpLink(SimulatedKernel kernel)
    {
        _kernel = kernel;
        kernel.Processes.Program(Run);
    }

    private string? _stateFile;
    private static readonly JsonSerializerOptions StateJson = new() { IncludeFields = true };

    /// <summary>
    /// For a kernel shared across processes (SimulatedKernel.ShareAcrossProcesses): the VFs' settings live in
    /// .simulated-ip-link.json at the tree's root, read before and written after each call under the kernel's
    /// process lock, as the PF driver holds them for every process. Settings of VFs beyond the count are
    /// dropped when a set is saved, not when the count changes.
    /// </summary>
    public SimulatedIpLink ShareAcrossProcesses()
    {
        _stateFile = Path.Join(_kernel.Root, ".simulated-ip-link.json");
        return this;
    }

    private void LoadShared()
    {
        if (_stateFile is null || !File.Exists(_stateFile)) return;
        var saved = JsonSerializer.Deserialize<Dictionary<string, List<Vf>>>(File.ReadAllText(_stateFile), StateJson)!;
        foreach (var (ifname, vfs) in saved)
            if (_pfs.TryGetValue(ifname, out var pf)) { pf.Vfs.Clear(); pf.Vfs.AddRange(vfs); }
    }

    private void SaveShared()
    {
        if (_stateFile is null) return;
        var all = _pfs.ToDictionary(p => p.Key, p => Sync(p.Key), StringComparer.Ordinal);
        File.WriteAllText(_stateFile, JsonSerializer.Serialize(all, StateJson));
    }

    /// <summary>Makes <paramref name="ifname"/> (the PF's netdev in the tree) answer with VF info.</summary>
    public SimulatedIpLink AddPf(string pfAddress, string ifname)
    {
        _pfs[ifname] = (pfAddress, new List<Vf>());
        return this;
    }

    public IReadOnlyList<Vf> VfsOf(string ifname) => Sync(ifname);

    /// <summary>
    /// Gives VF <paramref name="index"/> of <paramref name="pfAddress"/> (created already) the host interface
    /// <paramref name="name"/>, with <paramref name="cidr"/> in `ip -o addr show` when given.
    /// </summary>
    public SimulatedIpLink AddVfInterface(string pfAddress, int index, string name, string? cidr)
    {
        var vf = _kernel.Tree.VfAddress(pfAddress, index);
        SimulatedHosts.Net(_kernel.Tree, name, _kernel.Tree.DeviceDir(vf));
        if (cidr is not null)
        {
            var before = _kernel.Processes.Run("ip", new[] { "-o", "addr", "show" }, TimeSpan.FromSeconds(1)).StandardOutput;
            _kernel.Processes.Script("ip -o addr show",
                before + $"9: {name}    inet {cidr} scope global {name}\\       valid_lft forever preferred_lft forever\n");
        }
        return this;
    }

    private List<Vf> Sync(string ifname)
    {
        var (pf, vfs) = _pfs[ifname];
        var n = int.Parse(_kernel.ReadAllText($"/sys/bus/pci/devices/{pf}/sriov_numvfs").Trim(), CultureInfo.InvariantCulture);
        while (vfs.Count < n) vfs.Add(new Vf());
        if (vfs.Count > n) vfs.RemoveRange(n, vfs.Count - n);
        return vfs;
    }

    private static ProcessResult Fail(string message) => new(2, "", $"RTNETLINK answers: {message}\n");

    private ProcessResult? Run(string program, IReadOnlyList<string> a)
    {
        if (program != "ip") return null;
        if (_stateFile is null) return RunIp(a);
        using var across = _kernel.EnterProcessGate();
        lock (_pfs)
        {
            LoadShared();
            var r = RunIp(a);
            if (r is { ExitCode: 0 } && a.Count > 1 && a[0] == "link" && a[1] == "set") SaveShared();
            return r;
        }
    }

    private ProcessResult? RunIp(IReadOnlyList<string> a)
    {
        if (a.Count == 6 && a[0] == "-j" && a[1] == "-d" && a[2] == "link" && a[3] == "show" && a[4] == "dev")
            return _pfs.ContainsKey(a[5]) ? new ProcessResult(0, Show(a[5]), "") : new ProcessResult(1, "", $"Device \"{a[5]}\" does not exist.\n");
        if (a.Count >= 8 && a[0] == "link" && a[1] == "set" && a[2] == "dev" && a[4] == "vf")
        {
            Sets.Add(string.Join(' ', a));
            if (!_pfs.ContainsKey(a[3])) return new ProcessResult(1, "", "Cannot find device \"" + a[3] + "\"\n");
            var vfs = Sync(a[3]);
            var n = int.Parse(a[5], CultureInfo.InvariantCulture);
            var keyword = a[6] is "min_tx_rate" or "max_tx_rate" ? "rate" : a[6];
            if (FailNext.Remove(keyword, out var message)) return Fail(message);
            if (Unsupported.Contains(keyword)) return Fail("Operation not supported");
            if (n >= vfs.Count) return Fail("Invalid argument");
            var vf = vfs[n];
            var opts = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 6; i + 1 < a.Count; i += 2) opts[a[i]] = a[i + 1];
            if (opts.TryGetValue("mac", out var mac))
            {
                if ((Convert.ToByte(mac[..2], 16) & 1) != 0) return Fail("Invalid argument");
                vf.Mac = mac;
            }
            if (opts.TryGetValue("vlan", out var vlan))
            {
                var v = int.Parse(vlan, CultureInfo.InvariantCulture);
                var q = opts.TryGetValue("qos", out var qs) ? int.Parse(qs, CultureInfo.InvariantCulture) : 0;
                if (v > 4095 || q > 7) return Fail("Invalid argument");
                vf.Vlan = v;
                vf.Qos = q;
            }
            if (opts.TryGetValue("min_tx_rate", out var min))
            {
                var lo = int.Parse(min, CultureInfo.InvariantCulture);
                var hi = int.Parse(opts["max_tx_rate"], CultureInfo.InvariantCulture);
                if ((RefuseMinRate && lo != 0) || (hi != 0 && lo > hi) || hi > 1000) return Fail("Invalid argument");
                vf.MinTx = lo;
                vf.MaxTx = hi;
            }
            if (opts.TryGetValue("spoofchk", out var sc)) vf.SpoofCheck = sc == "on";
            if (opts.TryGetValue("trust", out var tr)) vf.Trust = tr == "on";
            if (opts.TryGetValue("state", out var st)) vf.LinkState = st;
            return new ProcessResult(0, "", "");
        }
        return null;
    }

    /// <summary>The JSON ip 6.1 prints, in the shape recorded from igb (vlan_list, rate, tx_rate when set).</summary>
    private string Show(string ifname)
    {
        var (pf, _) = _pfs[ifname];
        var list = new JsonArray();
        var vfs = Sync(ifname);
        for (var i = 0; i < vfs.Count; i++)
        {
            var v = vfs[i];
            var vlan = new JsonObject();
            if (v.Vlan != 0) vlan["vlan"] = v.Vlan;
            if (v.Qos != 0) vlan["qos"] = v.Qos;
            var o = new JsonObject
            {
                ["vf"] = i, ["link_type"] = "ether", ["address"] = v.Mac, ["broadcast"] = "ff:ff:ff:ff:ff:ff",
                ["vlan_list"] = new JsonArray(vlan),
            };
            if (v.MaxTx != 0) o["tx_rate"] = v.MaxTx;
            o["rate"] = new JsonObject { ["max_tx"] = v.MaxTx, ["min_tx"] = v.MinTx };
            o["spoofchk"] = v.SpoofCheck;
            o["link_state"] = v.LinkState;
            o["trust"] = v.Trust;
            list.Add(o);
        }
        var link = new JsonObject
        {
            ["ifindex"] = 6, ["ifname"] = ifname, ["mtu"] = 1500, ["operstate"] = "UP", ["link_type"] = "ether",
            ["address"] = "52:54:00:12:34:56", ["parentbus"] = "pci", ["parentdev"] = pf, ["vfinfo_list"] = list,
        };
        return new JsonArray(link).ToJsonString() + "\n";
    }
}
