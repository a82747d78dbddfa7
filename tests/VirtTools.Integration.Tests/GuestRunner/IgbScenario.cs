using System.Diagnostics;

namespace VirtTools.Integration.GuestRunner;

/// <summary>
/// Get-SriovVf and Set-SriovVf on a real NIC driver: QEMU 10's igb (an emulated Intel 82576) with the
/// guest's igb/igbvf drivers. Only in the boot that has the igb device (VIRTTOOLS_QEMU_IGB=1); records
/// the raw `ip -j -d link show` output too, which tests/fixtures/iproute2 keeps.
/// </summary>
public sealed partial class Scenarios
{
    private void IgbVf(Scenario s)
    {
        s.Set("modprobe", new[] { Guest.Run("modprobe", "igb"), Guest.Run("modprobe", "igbvf") });
        var pf = Guest.Addresses().FirstOrDefault(a => Guest.Driver(a) == "igb");
        s.Set("pf", pf);
        if (pf is null) return;
        var ifname = Guest.NetDevs(pf).FirstOrDefault();
        s.Set("pfInterface", ifname);
        if (ifname is null) return;
        // igb applies a VF rate limit only at the PF's link speed (1000 Mbit/s): the link must be up.
        s.Set("pfUp", Guest.Run("ip", "link", "set", "dev", ifname, "up"));
        var outDir = System.Environment.GetEnvironmentVariable("VIRTTOOLS_GUEST_OUT");
        void Show(string name)
        {
            var r = Guest.Run("ip", "-j", "-d", "link", "show", "dev", ifname);
            s.Set("ip_" + name, r.Output);
            if (outDir is not null) File.WriteAllText(Path.Combine(outDir, $"igb-{name}.json"), r.Output);
        }
        PsResult Ps(string key, string script, params object?[] args)
        {
            var t = Stopwatch.StartNew();
            var r = _shell.Invoke(script, args);
            s.Set(key, r);
            s.Set(key + "Seconds", Math.Round(t.Elapsed.TotalSeconds, 3));
            return r;
        }

        Ps("enable", "Set-SriovVfCount $args[0] 2 -Confirm:$false -PassThru", pf);
        s.Set("vfs", VfsOf(pf).Select(v => new { Address = v, Driver = Guest.Driver(v), NetDevs = Guest.NetDevs(v) }).ToArray());
        Show("initial");
        Ps("getAll", "Get-SriovVf $args[0]", pf);
        Ps("getIndex", "Get-SriovVf $args[0] -Index 1", pf);
        Ps("getByVf", "Get-PciDevice $args[0] -VirtualFunctionOf | Get-SriovVf", pf);
        Ps("getFromPciDevice", "Get-PciDevice $args[0] | Get-SriovVf", pf);
        var nvme = Guest.Addresses().FirstOrDefault(a => Guest.Driver(a) == "nvme" && File.Exists(Path.Combine(Guest.Dev(a), "sriov_totalvfs")));
        if (nvme is not null) Ps("nvmePf", "Get-SriovVf $args[0]", nvme);
        var e1000e = Guest.Addresses().FirstOrDefault(a => Guest.Driver(a) == "e1000e");
        if (e1000e is not null) Ps("notSriov", "Get-SriovVf $args[0]", e1000e);

        // Everything igb supports, in one call.
        Ps("setMany", "Set-SriovVf $args[0] 0 -MacAddress 02:11:22:33:44:55 -VlanId 100 -Qos 3 -SpoofCheck $false -Trust $true -MaxTxRate 100 -Confirm:$false -PassThru -Verbose", pf);
        Show("set");
        Ps("whatIf", "Set-SriovVf $args[0] 1 -MacAddress 02:00:00:00:00:11 -VlanId 7 -WhatIf", pf);
        Ps("afterWhatIf", "Get-SriovVf $args[0] -Index 1", pf);
        // What igb refuses: link state (EOPNOTSUPP), a minimum rate (EINVAL).
        Ps("linkState", "Set-SriovVf $args[0] 1 -LinkState enable -Confirm:$false", pf);
        Ps("minRate", "Set-SriovVf $args[0] 1 -MinTxRate 10 -MaxTxRate 100 -Confirm:$false", pf);
        // Half-way: the MAC is set, the link state is refused, the MAC goes back.
        Ps("halfBefore", "Get-SriovVf $args[0] -Index 0", pf);
        Ps("halfWay", "Set-SriovVf $args[0] 0 -MacAddress 02:11:22:33:44:66 -LinkState disable -Confirm:$false -Verbose", pf);
        Ps("halfAfter", "Get-SriovVf $args[0] -Index 0", pf);
        // Input refused before anything runs.
        Ps("badInput", """
            Set-SriovVf $args[0] 1 -MacAddress 01:00:5e:00:00:01 -Confirm:$false
            Set-SriovVf $args[0] 1 -MacAddress 00:00:00:00:00:00 -Confirm:$false
            Set-SriovVf $args[0] 1 -MacAddress 02:00:00:00:00 -Confirm:$false
            Set-SriovVf $args[0] 1 -VlanId 4096 -Confirm:$false
            Set-SriovVf $args[0] 1 -Qos 3 -Confirm:$false
            Set-SriovVf $args[0] 1 -MinTxRate 200 -MaxTxRate 100 -Confirm:$false
            Set-SriovVf $args[0] 5 -SpoofCheck $false -Confirm:$false
            """, pf);
        // By pipeline: the SriovVf objects carry PhysicalFunction and Index.
        Ps("pipeline", "Get-SriovVf $args[0] -Index 1 | Set-SriovVf -SpoofCheck $false -Trust $true -Confirm:$false -PassThru", pf);

        // The host's own use of a VF's interface: an address on it makes a MAC change need -Force.
        var vf1 = VfsOf(pf).ElementAtOrDefault(1);
        var vf1If = vf1 is null ? null : Guest.NetDevs(vf1).FirstOrDefault();
        s.Set("vf1Interface", vf1If);
        if (vf1If is not null)
        {
            s.Set("vf1Address", new[] { Guest.Run("ip", "link", "set", "dev", vf1If, "up"), Guest.Run("ip", "addr", "add", "192.168.99.1/24", "dev", vf1If) });
            Ps("guarded", "Set-SriovVf $args[0] 1 -MacAddress 02:00:00:00:00:21 -Confirm:$false", pf);
            Ps("guardedAfter", "Get-SriovVf $args[0] -Index 1", pf);
            Ps("forced", "Set-SriovVf $args[0] 1 -MacAddress 02:00:00:00:00:21 -Force -Confirm:$false -PassThru", pf);
            Ps("rateNotGuarded", "Set-SriovVf $args[0] 1 -MaxTxRate 50 -Confirm:$false -PassThru", pf);
        }
        Show("final");
        Ps("disable", "Set-SriovVfCount $args[0] 0 -Force -Confirm:$false -PassThru", pf);
        // The raw kernel times next to the cmdlet's: echo N > sriov_numvfs.
        var numvfs = Path.Combine(Guest.Dev(pf), "sriov_numvfs");
        s.Set("raw", new[] { 2, 0, 7, 0 }.Select(n => Guest.WriteRaw(numvfs, n.ToString())).ToArray());
        Ps("enableSeven", "Set-SriovVfCount $args[0] 7 -Confirm:$false", pf);
        Show("seven");
        Ps("getSeven", "Get-SriovVf $args[0]", pf);
        Ps("disableSeven", "Set-SriovVfCount $args[0] 0 -Confirm:$false", pf);
    }
}
