using System.Text.Json;

namespace VirtTools.Integration.Tests;

/// <summary>
/// The igb boot runs after the parallel test classes are done, never beside the main guest: two TCG guests on
/// the CI machine's two cores would slow both towards their timeouts and need twice the memory.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IgbGuestCollection
{
    public const string Name = "igb guest";
}

/// <summary>
/// Get-SriovVf and Set-SriovVf on a real NIC driver: Linux 6.1 igb/igbvf on QEMU 10's emulated 82576
/// (a boot of its own, <see cref="GuestRun.Igb"/>).
/// </summary>
[Collection(IgbGuestCollection.Name)]
public sealed class IgbSriovVfTests
{
    private const string SetFq = ",VirtTools.Commands.SetSriovVfCommand";
    private const string GetFq = ",VirtTools.Commands.GetSriovVfCommand";

    private static JsonElement S => GuestRun.Igb.Scenario("igbVf");

    private static string[] ErrorIds(JsonElement s, string key) =>
        s.At(key, "Errors").EnumerateArray().Select(e => e.Str("FullyQualifiedErrorId")!).ToArray();

    private static JsonElement One(JsonElement s, string key)
    {
        s.At(key).NoErrors(key);
        return Assert.Single(s.At(key).Output());
    }

    [GuestFact]
    public void The_guest_has_an_igb_pf_whose_vfs_bind_igbvf()
    {
        var s = S;
        Assert.NotNull(s.Str("pf"));
        s.At("enable").NoErrors("Set-SriovVfCount 2");
        var vfs = s.At("vfs").EnumerateArray().ToArray();
        Assert.Equal(2, vfs.Length);
        Assert.All(vfs, v => Assert.Equal("igbvf", v.Str("Driver")));
        Console.WriteLine($"[igb] Set-SriovVfCount 0->2 {s.At("enableSeconds")} s, 2->0 (-Force) {s.At("disableSeconds")} s, " +
            $"0->7 {s.At("enableSevenSeconds")} s, 7->0 {s.At("disableSevenSeconds")} s; raw echo: " +
            string.Join(", ", s.At("raw").EnumerateArray().Select(r => $"{r.Str("Value")} in {r.At("Seconds")} s")));
    }

    [GuestFact]
    public void Get_SriovVf_reads_the_driver_and_sysfs()
    {
        var s = S;
        s.At("getAll").NoErrors("Get-SriovVf");
        var all = s.At("getAll").Output();
        var vfs = s.At("vfs").EnumerateArray().ToArray();
        Assert.Equal(new[] { 0, 1 }, all.Select(v => v.Int("Index")!.Value));
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(s.Str("pf"), all[i].Str("PhysicalFunction"));
            Assert.Equal(s.Str("pfInterface"), all[i].Str("PfInterface"));
            Assert.Equal(vfs[i].Str("Address"), all[i].Str("Address"));
            Assert.Equal("igbvf", all[i].Str("Driver"));
            Assert.Equal(vfs[i].Strings("NetDevs")[0], all[i].Str("Interface"));
            Assert.Equal("00:00:00:00:00:00", all[i].Str("MacAddress"));
            Assert.Equal("auto", all[i].Str("LinkState"));
        }
        Assert.Equal(1, One(s, "getIndex").Int("Index"));
        Assert.Equal(2, s.At("getByVf").Output().Length);
        Assert.Equal(2, s.At("getFromPciDevice").Output().Length);
        Assert.Equal(new[] { "SriovPfWithoutNetDevice" + GetFq }, ErrorIds(s, "nvmePf"));
        Assert.Equal(new[] { "SriovNotSupported" + GetFq }, ErrorIds(s, "notSriov"));
        Assert.Equal(7, s.At("getSeven").Output().Length);
    }

    [GuestFact]
    public void Set_SriovVf_sets_what_igb_supports_and_ip_shows_it()
    {
        var s = S;
        var vf = One(s, "setMany");
        Assert.Equal("02:11:22:33:44:55", vf.Str("MacAddress"));
        Assert.Equal((100, 3, 100, 0), (vf.Int("VlanId"), vf.Int("Qos"), vf.Int("MaxTxRate"), vf.Int("MinTxRate")));
        Assert.False(vf.At("SpoofCheck").GetBoolean());
        Assert.True(vf.At("Trust").GetBoolean());
        var ip = JsonDocument.Parse(s.Str("ip_set")!).RootElement[0].At("vfinfo_list")[0];
        Assert.Equal("02:11:22:33:44:55", ip.Str("address"));
        Assert.Equal(100, ip.At("vlan_list")[0].Int("vlan"));
        Assert.Equal(100, ip.At("rate").Int("max_tx"));
        var pipeline = One(s, "pipeline");
        Assert.False(pipeline.At("SpoofCheck").GetBoolean());
        Assert.True(pipeline.At("Trust").GetBoolean());
    }

    [GuestFact]
    public void WhatIf_changes_nothing()
    {
        var s = S;
        s.At("whatIf").NoErrors("-WhatIf");
        var after = One(s, "afterWhatIf");
        Assert.Equal("00:00:00:00:00:00", after.Str("MacAddress"));
        Assert.Equal(0, after.Int("VlanId"));
    }

    [GuestFact]
    public void What_igb_refuses_becomes_stable_errors_and_a_half_way_failure_is_undone()
    {
        var s = S;
        Assert.Equal(new[] { "SriovVfSettingNotSupported" + SetFq }, ErrorIds(s, "linkState"));
        Assert.Equal(new[] { "SriovVfSettingRejected" + SetFq }, ErrorIds(s, "minRate"));
        Assert.Equal(new[] { "SriovVfSettingNotSupported" + SetFq }, ErrorIds(s, "halfWay"));
        Assert.Contains("put back", s.At("halfWay", "Errors")[0].Str("Message"));
        Assert.Equal(One(s, "halfBefore").Str("MacAddress"), One(s, "halfAfter").Str("MacAddress"));
        Assert.Equal(new[]
        {
            "SriovVfMacAddressMulticast", "SriovVfMacAddressZero", "SriovVfMacAddressInvalid", "SriovVfVlanOutOfRange",
            "SriovVfQosWithoutVlan", "SriovVfMinRateAboveMaxRate", "SriovVfIndexOutOfRange",
        }.Select(i => i + SetFq), ErrorIds(s, "badInput"));
    }

    [GuestFact]
    public void A_vf_interface_with_an_address_needs_force()
    {
        var s = S;
        Assert.NotNull(s.Str("vf1Interface"));
        Assert.Equal(new[] { "DeviceHasIpAddress" + SetFq }, ErrorIds(s, "guarded"));
        Assert.NotEqual("02:00:00:00:00:21", One(s, "guardedAfter").Str("MacAddress"));
        Assert.Equal("02:00:00:00:00:21", One(s, "forced").Str("MacAddress"));
        Assert.Equal(50, One(s, "rateNotGuarded").Int("MaxTxRate"));
    }
}
