using System.Text.Json;

namespace VirtTools.Xen.Tests;

/// <summary>Enable-/Disable-VfioDevice with xen-pciback on the lab's free e1000e NIC, checked with xl.</summary>
public sealed class PcibackTests
{
    private static JsonElement Pb => XenLab.Instance.Scenario("pciback");
    private static string Nic => Pb.Str("target") ?? throw new InvalidOperationException("the lab has no NIC with MAC 52:54:00:12:34:02");

    private static bool Assignable(JsonElement state, string address) =>
        state.Str("Assignable")!.Split('\n', StringSplitOptions.TrimEntries).Contains(address);

    [XenFact]
    public void WhatIf_changes_nothing()
    {
        Pb.At("whatIf").NoErrors("Enable-VfioDevice -Driver pciback -WhatIf");
        Assert.Equal(Pb.At("before").GetRawText(), Pb.At("afterWhatIf").GetRawText());
        Assert.Equal("e1000e", Pb.Str("before", "Driver"));
    }

    [XenFact]
    public void Enable_binds_the_nic_to_pciback_and_xl_lists_it_as_assignable()
    {
        Pb.At("enable").NoErrors("Enable-VfioDevice -Driver pciback");
        Assert.Equal("pciback", Assert.Single(Pb.At("enable").Output()).Str("Driver"));
        var after = Pb.At("afterEnable");
        Assert.Equal("pciback", after.Str("Driver"));
        Assert.Empty(after.Strings("NetDevs"));
        Assert.False(Assignable(Pb.At("before"), Nic), "assignable before the enable");
        Assert.True(Assignable(after, Nic), "xl pci-assignable-list does not show " + Nic + ":\n" + after.Str("Assignable"));
        Assert.Equal("pciback", Assert.Single(Pb.At("getPciDeviceAfterEnable").Output()).Str("Driver"));
    }

    [XenFact]
    public void Disable_gives_the_nic_back_to_e1000e_and_out_of_pcibacks_slots()
    {
        Pb.At("disable").NoErrors("Disable-VfioDevice");
        var after = Pb.At("afterDisable");
        Assert.Equal("e1000e", after.Str("Driver"));
        Assert.Equal("(null)", after.Str("DriverOverride"));
        Assert.NotNull(Pb.Str("netDevBackAfter"));
        Assert.False(Assignable(after, Nic), "xl pci-assignable-list still shows " + Nic);
        Assert.DoesNotContain(Nic, after.Str("PcibackSlots") ?? "");
    }

    [XenFact]
    public void Pipeline_with_Persist_writes_the_driverctl_file_and_the_disable_removes_it()
    {
        Pb.At("pipeEnable").NoErrors("Get-PciDevice | Enable-VfioDevice -Driver pciback -Persist");
        Assert.Equal("pciback", Pb.Str("fileAfterPipeEnable"));
        Assert.Equal("pciback", Pb.Str("afterPipeEnable", "Driver"));
        Assert.True(Assignable(Pb.At("afterPipeEnable"), Nic));
        Pb.At("pipeDisable").NoErrors("Get-PciDevice | Disable-VfioDevice -Persist");
        Assert.Null(Pb.Str("fileAfterPipeDisable"));
        Assert.Equal("e1000e", Pb.Str("afterPipeDisable", "Driver"));
        Assert.False(Assignable(Pb.At("afterPipeDisable"), Nic));
    }

    [XenFact]
    public void The_nic_with_the_default_route_is_refused_and_left_alone()
    {
        var g = XenLab.Instance.Scenario("pcibackGuards");
        Assert.NotNull(g.Str("defaultRouteInterface"));
        var refusal = Assert.Single(g.At("refused", "Errors").EnumerateArray());
        Assert.StartsWith("DeviceCarriesDefaultRoute,", refusal.Str("FullyQualifiedErrorId"));
        Assert.Equal("e1000e", g.Str("afterRefusal", "Driver"));
        Assert.False(Assignable(g.At("afterRefusal"), g.Str("target")!));
        Assert.Equal(g.Str("defaultRouteInterface"), g.Str("defaultRouteAfterRefusal"));
    }
}
