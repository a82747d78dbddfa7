using System.Globalization;
using System.Text.RegularExpressions;
using VirtTools.Host;
using VirtTools.HostUsage;
using VirtTools.Pci;
using VirtTools.Vfio;

namespace VirtTools.Sriov;

/// <summary>What Set-SriovVf asks for; null leaves a setting as it is.</summary>
public sealed class SriovVfSettings
{
    public string? MacAddress { get; set; }
    public int? VlanId { get; set; }
    public int? Qos { get; set; }
    public bool? SpoofCheck { get; set; }
    public bool? Trust { get; set; }
    /// <summary>auto, enable or disable.</summary>
    public string? LinkState { get; set; }
    public int? MinTxRate { get; set; }
    public int? MaxTxRate { get; set; }

    public bool IsEmpty => MacAddress is null && VlanId is null && Qos is null && SpoofCheck is null && Trust is null
        && LinkState is null && MinTxRate is null && MaxTxRate is null;
}

/// <summary>One `ip link set` call, with the call that puts back what it changes (null when the old value is unknown).</summary>
public sealed record SriovVfStep(string Setting, IReadOnlyList<string> Arguments, IReadOnlyList<string>? RestoreArguments)
{
    public string CommandLine => "ip " + string.Join(' ', Arguments);
    public override string ToString() => CommandLine;
}

public sealed class SriovVfPlan
{
    public required SriovVf Current { get; init; }
    public required string PfInterface { get; init; }
    public string? PfDriver { get; init; }
    public List<SriovVfStep> Steps { get; } = new();
    public List<string> Notes { get; } = new();
    public List<string> Warnings { get; } = new();
    /// <summary>What the VF should read afterwards (the request merged over the current values).</summary>
    public required SriovVf Expected { get; init; }
    public bool HasChanges => Steps.Count > 0;
}

/// <summary>
/// Reads and sets the per-VF settings a network PF's driver keeps (ndo_get_vf_config/ndo_set_vf_*),
/// through iproute2 on the process seam: `ip -j -d link show dev PF` lists them (vfinfo_list) and
/// `ip link set dev PF vf N ...` changes them. Input is checked before anything runs; each setting is
/// its own call, so a refusal names the setting, and the ones already made are put back.
/// </summary>
public sealed partial class SriovVfManager
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

    public SriovVfManager(HostContext host)
    {
        _host = host;
        _fs = host.Files;
    }

    /// <summary>How long Execute waits for another VirtTools command that holds the PF's SR-IOV lock.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(30);

    // ---------------------------------------------------------------- reading

    /// <summary>
    /// The VFs of <paramref name="address"/>: all of a PF, or the one VF when a VF's address is given.
    /// </summary>
    public IReadOnlyList<SriovVf> Read(PciAddress address)
    {
        var (pf, only) = ResolvePf(address);
        var (iface, vfs) = ReadPf(pf);
        return only is int i ? vfs.Where(v => v.Index == i).ToList() : vfs;
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

    private (string Interface, List<SriovVf> Vfs) ReadPf(PciAddress pf)
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

    private ProcessResult RunIp(PciAddress pf, IReadOnlyList<string> args)
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

    // ---------------------------------------------------------------- planning

    /// <summary>
    /// Checks <paramref name="s"/> against VF <paramref name="index"/> of <paramref name="pf"/> as it is now, and lists
    /// the `ip link set` calls that make it so. Reads only. <paramref name="force"/> allows changes that
    /// could cut the host's own connection off (the VF's netdev carries SSH, the default route or an address).
    /// </summary>
    public SriovVfPlan Plan(PciAddress pf, int index, SriovVfSettings s, bool force, string? sshConnection)
    {
        var mac = s.MacAddress is null ? null : NormalizeMac(s.MacAddress, pf);
        ValidateRanges(s, pf);
        if (s.IsEmpty)
            throw new VirtToolsException(Ids.NothingToSet, FailureKind.InvalidArgument,
                $"No VF setting was given for VF {index} of {pf}.", pf.ToString(),
                "Give at least one of -MacAddress, -VlanId, -Qos, -SpoofCheck, -Trust, -LinkState, -MinTxRate, -MaxTxRate.");
        var (realPf, _) = ResolvePf(pf);
        if (realPf != pf)
            throw new VirtToolsException(SriovConfigurator.Ids.IsVirtualFunction, FailureKind.InvalidArgument,
                $"{pf} is a virtual function of {realPf}; VF settings are set on the physical function.",
                pf.ToString(), $"Use -PhysicalFunction {realPf} -Index <n>, or pipe Get-SriovVf {pf} into Set-SriovVf.");
        var (iface, vfs) = ReadPf(pf);
        var numVfs = ReadNumVfs(pf);
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
            else Add("MacAddress", new[] { "mac", mac }, cur.MacAddress is { } m && NormalizeMacOrNull(m) is { } mm ? new[] { "mac", mm } : null);
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
    public SriovVf Execute(SriovVfPlan plan, Action<SriovVfStep>? before = null)
    {
        var pf = PciAddress.Parse(plan.Current.PhysicalFunction);
        // The lock Set-SriovVfCount holds: VFs must not be destroyed or re-created under these calls, and
        // two setters must not interleave, or the undo of one would put back values the other replaced.
        var lockPath = SriovConfigurator.LockPathOf(pf);
        IDisposable held;
        try { held = _fs.Lock(lockPath, LockTimeout); }
        catch (HostIOException e)
        {
            throw new VirtToolsException(SriovConfigurator.Ids.Locked, e.Errno == Errno.EAGAIN ? FailureKind.ResourceBusy : FailureKind.PermissionDenied,
                $"Cannot take the lock {lockPath}: {e.Message} Nothing was changed.", pf.ToString(),
                "Another VirtTools command is changing the VFs of this device; wait for it and retry.", e);
        }
        using (held)
        {
            // The undo calls put back what planning read: refuse when the VF changed since then.
            var (_, now) = ReadPf(pf);
            var vf = now.FirstOrDefault(v => v.Index == plan.Current.Index);
            var changed = vf is null ? new[] { "the VF is gone" } : Differences(plan.Current, vf, "planned on").ToArray();
            if (changed.Length > 0)
                throw new VirtToolsException(Ids.StateChanged, FailureKind.ResourceBusy,
                    $"VF {plan.Current.Index} of {pf} changed after the change was planned ({string.Join(", ", changed)}). Nothing was changed.",
                    plan.Current.Address ?? pf.ToString(), $"Check who else configures this VF, then run the command again (Get-SriovVf {pf} shows it now).");
            return Run(plan, pf, before);
        }
    }

    private SriovVf Run(SriovVfPlan plan, PciAddress pf, Action<SriovVfStep>? before)
    {
        var done = new List<SriovVfStep>();
        foreach (var step in plan.Steps)
        {
            before?.Invoke(step);
            var r = RunIp(pf, step.Arguments);
            if (r.ExitCode == 0)
            {
                done.Add(step);
                continue;
            }
            var failure = Refusal(plan, step, r);
            var restoreProblems = new List<string>();
            for (var i = done.Count - 1; i >= 0; i--)
            {
                var back = done[i];
                if (back.RestoreArguments is null)
                {
                    restoreProblems.Add($"{back.Setting} cannot be put back (its old value was not reported)");
                    continue;
                }
                try
                {
                    var rr = RunIp(pf, back.RestoreArguments);
                    if (rr.ExitCode != 0) restoreProblems.Add($"ip {string.Join(' ', back.RestoreArguments)}: {Answer(rr.StandardError)}");
                }
                catch (VirtToolsException e) { restoreProblems.Add(e.Message); }
            }
            if (restoreProblems.Count > 0)
                throw new VirtToolsException(Ids.RestoreFailed, FailureKind.InvalidOperation,
                    failure.Message + " Restoring the settings already made failed: " + string.Join("; ", restoreProblems) + ".",
                    failure.Target, "Check the VF with Get-SriovVf and set what is wrong by hand.", failure);
            if (done.Count > 0)
                throw new VirtToolsException(failure.ErrorId, failure.Kind,
                    failure.Message + $" The settings already made ({string.Join(", ", done.Select(d => d.Setting))}) were put back.",
                    failure.Target, failure.RecommendedAction);
            throw failure;
        }
        var (_, vfs) = ReadPf(pf);
        return vfs.FirstOrDefault(v => v.Index == plan.Current.Index)
            ?? throw new VirtToolsException(Ids.IndexOutOfRange, FailureKind.ObjectNotFound,
                $"VF {plan.Current.Index} of {pf} is gone after its settings were made ({vfs.Count} VFs now): the VF count changed meanwhile.",
                pf.ToString(), $"Run Get-SriovVf {pf} to see the VFs there are now.");
    }

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

    private VirtToolsException Refusal(SriovVfPlan plan, SriovVfStep step, ProcessResult r)
    {
        var cur = plan.Current;
        var pf = cur.PhysicalFunction;
        var drv = plan.PfDriver ?? "PF";
        var (id, kind, answer) = Classify(r.StandardError);
        var what = step.Setting switch
        {
            "MacAddress" => "the MAC address",
            "VlanId" => "the port VLAN and QoS",
            "TxRate" => "the transmit rates",
            "SpoofCheck" => "MAC spoof checking",
            "Trust" => "trust",
            "LinkState" => "the link state",
            _ => step.Setting,
        };
        var head = $"Setting {what} of VF {cur.Index} of {pf} ({plan.PfInterface}, driver {drv}) failed: {answer} ({step.CommandLine}).";
        if (id == Ids.InterfaceGone) return InterfaceGone(PciAddress.Parse(pf), plan.PfInterface);
        var action = (id, step.Setting) switch
        {
            (Ids.NotSupported, "LinkState") => $"The {drv} driver keeps VF links following the PF (auto); leave -LinkState out.",
            (Ids.NotSupported, _) => $"The {drv} driver does not offer this VF setting; leave it out (Get-SriovVf shows what the driver reports).",
            (Ids.Rejected, "TxRate") => $"Check the rates against the link speed; drivers without a guaranteed rate (igb, ixgbe) refuse any -MinTxRate above 0 — use -MaxTxRate alone.",
            (Ids.Rejected, "MacAddress") => "Use a unicast MAC that no other VF of this PF has.",
            (Ids.Rejected, _) => "Check the value against what the driver supports (dmesg often says more).",
            (Ids.PermissionDenied, _) => "Run as root (CAP_NET_ADMIN).",
            (Ids.Busy, _) => "Bring the VF's interface down, or unbind it from its driver, and retry; some drivers change a VF's MAC only then.",
            (Ids.NoSpace, _) => "The PF's filter tables are full; free MAC/VLAN filters or use fewer VFs.",
            _ => "Check dmesg for the driver's message and retry.",
        };
        if (id == Ids.NotSupported) kind = FailureKind.NotImplemented;
        return new VirtToolsException(id, kind, head + " Nothing else was changed.", cur.Address ?? pf, action);
    }

    private static VirtToolsException InterfaceGone(PciAddress pf, string iface) =>
        new(Ids.InterfaceGone, FailureKind.ObjectNotFound, $"The interface {iface} of {pf} is gone (renamed or its driver unbound while VirtTools read it).",
            pf.ToString(), "Retry; Get-PciDevice shows the PF's driver.");

    [GeneratedRegex(@"^(?:RTNETLINK answers|Error): (?<msg>.+)$", RegexOptions.Multiline)]
    private static partial Regex AnswerLine();

    private static string Answer(string stderr)
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

    // ---------------------------------------------------------------- input

    /// <summary>aa:bb:cc:dd:ee:ff (also with '-' or as 12 hex digits) in lower case; refuses multicast and all-zero.</summary>
    public static string NormalizeMac(string text, PciAddress? pf = null)
    {
        var mac = NormalizeMacOrNull(text);
        var target = pf?.ToString() ?? text;
        if (mac is null)
            throw new VirtToolsException(Ids.MacMalformed, FailureKind.InvalidArgument,
                $"'{text}' is not a MAC address.", target, "Give six hex octets, e.g. 02:00:00:12:34:56.");
        var first = byte.Parse(mac.AsSpan(0, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if ((first & 1) != 0)
            throw new VirtToolsException(Ids.MacMulticast, FailureKind.InvalidArgument,
                $"{mac} is a multicast address (the lowest bit of its first octet is set); a VF needs a unicast MAC (the kernel refuses it with EINVAL).",
                target, "Use a unicast address; locally administered ones start with x2, x6, xA or xE (02:..., 06:...).");
        if (mac == "00:00:00:00:00:00")
            throw new VirtToolsException(Ids.MacZero, FailureKind.InvalidArgument,
                "00:00:00:00:00:00 is not a usable MAC. Drivers read it differently (igb lets the VF pick a random one again, others refuse it), so VirtTools does not send it.",
                target, "Give the VF a unicast address; to hand the choice back to the VF, use ip link set <pf> vf <n> mac 00:00:00:00:00:00 if your driver documents it.");
        return mac;
    }

    private static string? NormalizeMacOrNull(string text)
    {
        var t = text.Trim();
        string hex;
        if (t.Length == 17 && (t.Split(':').Length == 6 || t.Split('-').Length == 6) && t.Split(':', '-').All(p => p.Length == 2))
            hex = string.Concat(t.Split(':', '-'));
        else if (t.Length == 12) hex = t;
        else return null;
        if (!hex.All(Uri.IsHexDigit)) return null;
        hex = hex.ToLowerInvariant();
        return string.Join(':', Enumerable.Range(0, 6).Select(i => hex.Substring(i * 2, 2)));
    }

    private static void ValidateRanges(SriovVfSettings s, PciAddress pf)
    {
        if (s.VlanId is int v && (v < 0 || v > 4095))
            throw new VirtToolsException(Ids.VlanOutOfRange, FailureKind.InvalidArgument,
                $"-VlanId {v} is outside 0-4095 (0 removes the port VLAN).", pf.ToString(), "Give a VLAN ID from 1 to 4094, or 0 for none.");
        if (s.Qos is int q && (q < 0 || q > 7))
            throw new VirtToolsException(Ids.QosOutOfRange, FailureKind.InvalidArgument,
                $"-Qos {q} is outside 0-7 (the 802.1p priority).", pf.ToString(), "Give a priority from 0 to 7.");
        foreach (var (name, rate) in new[] { ("MinTxRate", s.MinTxRate), ("MaxTxRate", s.MaxTxRate) })
            if (rate is int r && r < 0)
                throw new VirtToolsException(Ids.RateNegative, FailureKind.InvalidArgument,
                    $"-{name} {r} is negative.", pf.ToString(), "Give a rate in Mbit/s, 0 for none.");
        if (s.LinkState is string ls && !LinkStates.Contains(ls.ToLowerInvariant()))
            throw new VirtToolsException(Ids.LinkStateInvalid, FailureKind.InvalidArgument,
                $"-LinkState '{ls}' is not auto, enable or disable.", pf.ToString(), "Use auto (follow the PF), enable or disable.");
    }

    private static bool IsQinQ(string? proto) => proto is not null && proto.Contains("802.1ad", StringComparison.OrdinalIgnoreCase);

    private int ReadNumVfs(PciAddress pf)
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

    private static SriovVf Clone(SriovVf v) => new()
    {
        PhysicalFunction = v.PhysicalFunction, PfInterface = v.PfInterface, Index = v.Index, Address = v.Address,
        MacAddress = v.MacAddress, VlanId = v.VlanId, Qos = v.Qos, VlanProtocol = v.VlanProtocol, SpoofCheck = v.SpoofCheck,
        Trust = v.Trust, LinkState = v.LinkState, MinTxRate = v.MinTxRate, MaxTxRate = v.MaxTxRate, Driver = v.Driver, Interface = v.Interface,
    };
}
