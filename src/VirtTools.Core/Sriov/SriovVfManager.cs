using System.Globalization;
using VirtTools.Host;
using VirtTools.HostUsage;
using VirtTools.Pci;
using VirtTools.Vfio;

namespace VirtTools.Sriov;

/// <summary>
/// Reads and sets the per-VF settings a network PF's driver keeps (ndo_get_vf_config/ndo_set_vf_*),
/// through iproute2 on the process seam: `ip -j -d link show dev PF` lists them (vfinfo_list) and
/// `ip link set dev PF vf N ...` changes them. Input is checked before anything runs; each setting is
/// its own call, so a refusal names the setting, and the ones already made are put back.
/// </summary>
public sealed class SriovVfManager
{
    public static class Ids
    {
        public const string NotNetworkPf = "SriovPfWithoutNetDevice";
        public const string IndexOutOfRange = "SriovVfIndexOutOfRange";
        public const string NoVfs = "SriovPfHasNoVfs";
        public const string MacMalformed = "SriovVfMacAddressInvalid";
        public const string MacMulticast = "SriovVfMacAddressMulticast";
        public const string MacZero = "SriovVfMacAddressZero";
        public const string VlanOutOfRange = "SriovVfVlanOutOfRange";
        public const string QosOutOfRange = "SriovVfQosOutOfRange";
        public const string QosWithoutVlan = "SriovVfQosWithoutVlan";
        public const string RateNegative = "SriovVfRateNegative";
        public const string MinAboveMax = "SriovVfMinRateAboveMaxRate";
        public const string LinkStateInvalid = "SriovVfLinkStateInvalid";
        public const string NothingToSet = "SriovVfNoSettingGiven";
        public const string NotSupported = "SriovVfSettingNotSupported";
        public const string Rejected = "SriovVfSettingRejected";
        public const string PermissionDenied = "SriovVfPermissionDenied";
        public const string Busy = "SriovVfSettingBusy";
        public const string NoSpace = "SriovVfResourcesExhausted";
        public const string InterfaceGone = "SriovPfInterfaceNotFound";
        public const string Failed = "SriovVfSettingFailed";
        public const string IpMissing = "IpCommandNotFound";
        public const string IpFailed = "IpCommandFailed";
        public const string CapturedRoot = "IpNotUsableOnCapturedRoot";
        public const string RestoreFailed = "SriovVfRestoreFailed";
        public const string StateChanged = "SriovVfChangedSincePlanned";
    }

    private static readonly TimeSpan IpTimeout = TimeSpan.FromSeconds(30);
    public static readonly string[] LinkStates = { "auto", "enable", "disable" };

    private readonly HostContext _host;
    private readonly IHostFileSystem _fs;
    private readonly SriovVfReader _reader;

    public SriovVfManager(HostContext host)
    {
        _host = host;
        _fs = host.Files;
        _reader = new SriovVfReader(host);
    }

    /// <summary>How long Execute waits for another VirtTools command that holds the PF's SR-IOV lock.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Told while another command holds the PF's lock.</summary>
    public Action<LockWait>? LockWaiting { get; init; }

    /// <summary>
    /// Takes the PF's SR-IOV lock (the one Set-SriovVfCount holds) for a command to hold from planning to the
    /// end, <see cref="Execute"/> taking it again, re-entering: a VF planned while another command was still
    /// setting it would be refused as changed meanwhile instead of waiting. Null for a function that does not
    /// exist (planning says so).
    /// </summary>
    public IDisposable? LockPhysicalFunction(PciAddress pf) =>
        PciFunction.Exists(_fs, pf)
            ? HostLock.Take(_fs, SriovConfigurator.LockPathOf(pf), LockTimeout, pf.ToString(), "the VFs of this device", " Nothing was changed.", LockWaiting)
            : null;

    // ---------------------------------------------------------------- reading

    /// <summary>
    /// The VFs of <paramref name="address"/>: all of a PF, or the one VF when a VF's address is given.
    /// </summary>
    public IReadOnlyList<SriovVf> Read(PciAddress address)
    {
        var (pf, only) = ResolvePf(address);
        var (iface, vfs) = _reader.ReadPf(pf);
        return only is int i ? vfs.Where(v => v.Index == i).ToList() : vfs;
    }

    /// <summary>The PF behind a PF or VF address, and the VF's index when a VF was given.</summary>
    public (PciAddress Pf, int? Index) ResolvePf(PciAddress address) => _reader.ResolvePf(address);

    /// <summary>The PF's interface: the first of its net/ entries (a multi-port function lists VFs on each port's netdev alike).</summary>
    public string PfInterface(PciAddress pf) => _reader.PfInterface(pf);

    // ---------------------------------------------------------------- planning

    /// <summary>
    /// Checks <paramref name="s"/> against VF <paramref name="index"/> of <paramref name="pf"/> as it is now, and lists
    /// the `ip link set` calls that make it so. Reads only. <paramref name="force"/> allows changes that
    /// could cut the host's own connection off (the VF's netdev carries SSH, the default route or an address).
    /// </summary>
    public SriovVfPlan Plan(PciAddress pf, int index, SriovVfSettings s, bool force, string? sshConnection)
    {
        var mac = s.MacAddress is null ? null : NormalizeMac(s.MacAddress, pf);
        SriovVfInput.ValidateRanges(s, pf);
        if (s.IsEmpty)
            throw new VirtToolsException(Ids.NothingToSet, FailureKind.InvalidArgument,
                $"No VF setting was given for VF {index} of {pf}.", pf.ToString(),
                "Give at least one of -MacAddress, -VlanId, -Qos, -SpoofCheck, -Trust, -LinkState, -MinTxRate, -MaxTxRate.");
        var (realPf, _) = ResolvePf(pf);
        if (realPf != pf)
            throw new VirtToolsException(SriovConfigurator.Ids.IsVirtualFunction, FailureKind.InvalidArgument,
                $"{pf} is a virtual function of {realPf}; VF settings are set on the physical function.",
                pf.ToString(), $"Use -PhysicalFunction {realPf} -Index <n>, or pipe Get-SriovVf {pf} into Set-SriovVf.");
        var (iface, vfs) = _reader.ReadPf(pf);
        var numVfs = _reader.ReadNumVfs(pf);
        if (vfs.Count == 0)
            throw new VirtToolsException(Ids.NoVfs, FailureKind.ObjectNotFound,
                $"{pf} ({iface}) has no VFs (sriov_numvfs = {numVfs}), so there is no VF {index} to set.", pf.ToString(),
                $"Create VFs first: Set-SriovVfCount {pf} -Count <n>.");
        var cur = vfs.FirstOrDefault(v => v.Index == index);
        if (cur is null)
            throw new VirtToolsException(Ids.IndexOutOfRange, FailureKind.InvalidArgument,
                $"{pf} ({iface}) has {vfs.Count} VFs, numbered 0 to {vfs.Count - 1}; there is no VF {index}.", pf.ToString(),
                $"Use -Index 0 to {vfs.Count - 1}, or raise the count with Set-SriovVfCount {pf} -Count <n>.");

        var exp = Clone(cur);
        var plan = new SriovVfPlan { Current = cur, PfInterface = iface, PfDriver = PciFunction.Driver(_fs, pf), Expected = exp };
        string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        List<string> Base() => new() { "link", "set", "dev", iface, "vf", I(index) };
        void Add(string setting, IEnumerable<string> set, IEnumerable<string>? restore) =>
            plan.Steps.Add(new SriovVfStep(setting, Base().Concat(set).ToList(), restore is null ? null : Base().Concat(restore).ToList()));

        if (mac is not null)
        {
            exp.MacAddress = mac;
            if (string.Equals(mac, cur.MacAddress, StringComparison.OrdinalIgnoreCase)) plan.Notes.Add($"VF {index} of {pf} already has MAC {mac}.");
            else Add("MacAddress", new[] { "mac", mac }, cur.MacAddress is { } m && SriovVfInput.NormalizeMacOrNull(m) is { } mm ? new[] { "mac", mm } : null);
        }

        if (s.VlanId is not null || s.Qos is not null)
        {
            var vlan = s.VlanId ?? cur.VlanId;
            // Taking the VLAN away takes its priority with it; a new VLAN keeps the priority unless one is given.
            var qos = s.Qos ?? (vlan == 0 ? 0 : cur.Qos);
            if (qos != 0 && vlan == 0)
                throw new VirtToolsException(Ids.QosWithoutVlan, FailureKind.InvalidArgument,
                    $"-Qos {qos} sets the 802.1p priority of the VF's port VLAN, and VF {index} of {pf} would have none (VLAN 0). Some drivers (igb) accept it and tag nothing.",
                    pf.ToString(), "Give -VlanId 1-4095 with -Qos, or leave -Qos out.");
            exp.VlanId = vlan;
            exp.Qos = qos;
            if (vlan == cur.VlanId && qos == cur.Qos) plan.Notes.Add($"VF {index} of {pf} already has VLAN {vlan}, QoS {qos}.");
            else
            {
                // Without "proto", ip sends 802.1Q: keep an 802.1ad port VLAN what it is.
                IEnumerable<string> Vlan(int v, int q) =>
                    new[] { "vlan", I(v), "qos", I(q) }.Concat(v != 0 && IsQinQ(cur.VlanProtocol) ? new[] { "proto", "802.1ad" } : Array.Empty<string>());
                Add("VlanId", Vlan(vlan, qos), Vlan(cur.VlanId, cur.Qos));
            }
        }

        if (s.MinTxRate is not null || s.MaxTxRate is not null)
        {
            var min = s.MinTxRate ?? cur.MinTxRate;
            var max = s.MaxTxRate ?? cur.MaxTxRate;
            if (max != 0 && min > max)
                throw new VirtToolsException(Ids.MinAboveMax, FailureKind.InvalidArgument,
                    $"The minimum rate ({min} Mbit/s) would be above the maximum ({max} Mbit/s) for VF {index} of {pf}" +
                    (s.MinTxRate is null || s.MaxTxRate is null ? $" (it has min {cur.MinTxRate}, max {cur.MaxTxRate} now)." : "."),
                    pf.ToString(), "Give -MinTxRate at most -MaxTxRate, or -MaxTxRate 0 for no limit.");
            exp.MinTxRate = min;
            exp.MaxTxRate = max;
            if (min == cur.MinTxRate && max == cur.MaxTxRate) plan.Notes.Add($"VF {index} of {pf} already has min {min}, max {max} Mbit/s.");
            else Add("TxRate", new[] { "min_tx_rate", I(min), "max_tx_rate", I(max) }, new[] { "min_tx_rate", I(cur.MinTxRate), "max_tx_rate", I(cur.MaxTxRate) });
        }

        void Flag(string setting, string keyword, bool? want, bool? now, Action<bool> apply)
        {
            if (want is not bool w) return;
            apply(w);
            if (now == w) plan.Notes.Add($"VF {index} of {pf} already has {keyword} {(w ? "on" : "off")}.");
            else Add(setting, new[] { keyword, w ? "on" : "off" }, now is bool n ? new[] { keyword, n ? "on" : "off" } : null);
        }
        Flag("SpoofCheck", "spoofchk", s.SpoofCheck, cur.SpoofCheck, v => exp.SpoofCheck = v);
        Flag("Trust", "trust", s.Trust, cur.Trust, v => exp.Trust = v);

        if (s.LinkState is string ls)
        {
            var st = ls.ToLowerInvariant();
            exp.LinkState = st;
            if (st == cur.LinkState) plan.Notes.Add($"VF {index} of {pf} already has link-state {st}.");
            else Add("LinkState", new[] { "state", st }, cur.LinkState is { } c && LinkStates.Contains(c) ? new[] { "state", c } : null);
        }

        if (plan.HasChanges) Guard(plan, pf, index, force, sshConnection);
        return plan;
    }

    /// <summary>The settings that decide whether the VF's own netdev on this host still reaches anyone.</summary>
    private static readonly string[] CuttingSettings = { "MacAddress", "VlanId", "LinkState", "SpoofCheck" };

    private void Guard(SriovVfPlan plan, PciAddress pf, int index, bool force, string? ssh)
    {
        var cur = plan.Current;
        if (cur.Address is null || cur.Interface is null) return;
        var risky = plan.Steps.Where(st => CuttingSettings.Contains(st.Setting)).Select(st => st.Setting).ToList();
        if (risky.Count == 0) return;
        var vf = PciAddress.Parse(cur.Address);
        var guard = new HostUsageGuard(_host, ssh);
        var reasons = guard.Check(vf).Where(r => r.ErrorId is HostUsageGuard.Ids.SshSession or HostUsageGuard.Ids.DefaultRoute).ToList();
        reasons.AddRange(guard.CheckAddresses(vf));
        if (reasons.Count == 0) return;
        var what = string.Join(", ", risky.Select(r => r switch { "MacAddress" => "MAC", "VlanId" => "VLAN", "LinkState" => "link state", _ => "spoof check" }));
        if (force)
        {
            plan.Warnings.Add($"VF {index} of {pf} is this host's interface {cur.Interface}: {reasons[0].Message} Its {what} change anyway (-Force).");
            return;
        }
        var r0 = reasons[0];
        throw new VirtToolsException(r0.ErrorId, FailureKind.ResourceBusy,
            $"VF {index} of {pf} is this host's interface {cur.Interface}, and changing its {what} can cut the host off: {r0.Message}" +
            (reasons.Count > 1 ? " " + string.Join(" ", reasons.Skip(1).Select(r => r.Message)) : "") + " Nothing was changed.",
            cur.Address, "Make the change from a console or over another interface, or use -Force if the new settings keep the connection working.");
    }

    // ---------------------------------------------------------------- executing

    /// <summary>
    /// Runs the plan's calls in order. When one fails, the calls made before it are undone in reverse
    /// order and the failure is thrown, naming the setting and the kernel's answer. Returns the VF re-read.
    /// </summary>
    public SriovVf Execute(SriovVfPlan plan, Action<SriovVfStep>? before = null) =>
        new SriovVfApplier(_reader, _fs, LockTimeout, LockWaiting).Execute(plan, before);

    /// <summary>Differences between what a plan expected and what the VF reads after it ran (drivers may accept and ignore).</summary>
    public static IEnumerable<string> Differences(SriovVf expected, SriovVf actual, string expectedWord = "asked")
    {
        if (!string.Equals(expected.MacAddress, actual.MacAddress, StringComparison.OrdinalIgnoreCase)) yield return $"MAC {actual.MacAddress} ({expectedWord} {expected.MacAddress})";
        if (expected.VlanId != actual.VlanId) yield return $"VLAN {actual.VlanId} ({expectedWord} {expected.VlanId})";
        if (expected.Qos != actual.Qos) yield return $"QoS {actual.Qos} ({expectedWord} {expected.Qos})";
        if (expected.MinTxRate != actual.MinTxRate) yield return $"min rate {actual.MinTxRate} ({expectedWord} {expected.MinTxRate})";
        if (expected.MaxTxRate != actual.MaxTxRate) yield return $"max rate {actual.MaxTxRate} ({expectedWord} {expected.MaxTxRate})";
        if (actual.SpoofCheck is not null && expected.SpoofCheck != actual.SpoofCheck) yield return $"spoof check {actual.SpoofCheck} ({expectedWord} {expected.SpoofCheck})";
        if (actual.Trust is not null && expected.Trust != actual.Trust) yield return $"trust {actual.Trust} ({expectedWord} {expected.Trust})";
        if (actual.LinkState is not null && expected.LinkState != actual.LinkState) yield return $"link state {actual.LinkState} ({expectedWord} {expected.LinkState})";
    }

    /// <summary>The kernel's answer (strerror of the errno, or an extack message) to an error id.</summary>
    public static (string Id, FailureKind Kind, string Answer) Classify(string stderr) => SriovVfReader.Classify(stderr);

    /// <summary>aa:bb:cc:dd:ee:ff (also with '-' or as 12 hex digits) in lower case; refuses multicast and all-zero.</summary>
    public static string NormalizeMac(string text, PciAddress? pf = null) => SriovVfInput.NormalizeMac(text, pf);

    private static bool IsQinQ(string? proto) => proto is not null && proto.Contains("802.1ad", StringComparison.OrdinalIgnoreCase);

    private static SriovVf Clone(SriovVf v) => new()
    {
        PhysicalFunction = v.PhysicalFunction, PfInterface = v.PfInterface, Index = v.Index, Address = v.Address,
        MacAddress = v.MacAddress, VlanId = v.VlanId, Qos = v.Qos, VlanProtocol = v.VlanProtocol, SpoofCheck = v.SpoofCheck,
        Trust = v.Trust, LinkState = v.LinkState, MinTxRate = v.MinTxRate, MaxTxRate = v.MaxTxRate, Driver = v.Driver, Interface = v.Interface,
    };
}
