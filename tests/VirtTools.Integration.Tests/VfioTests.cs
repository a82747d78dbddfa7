using System.Text.Json;

namespace VirtTools.Integration.Tests;

/// <summary>Enable-VfioDevice / Disable-VfioDevice on the guest kernel's e1000e NICs.</summary>
public sealed class VfioTests
{
    private const string HostDriver = "e1000e";
    private const string NoOverride = "(null)";

    private static void AssertOnHostDriver(JsonElement state, string when)
    {
        Assert.True(state.Str("Driver") == HostDriver, $"{when}: driver is {state.Str("Driver") ?? "none"}, not {HostDriver}");
        Assert.True(state.Str("DriverOverride") == NoOverride, $"{when}: driver_override left as '{state.Str("DriverOverride")}'");
        Assert.NotEmpty(state.Strings("NetDevs"));
        Assert.True(state.Str("VfioNode") == "false", $"{when}: /dev/vfio/{state.Str("IommuGroup")} still exists");
    }

    [GuestFact]
    public void A_free_nic_binds_to_vfio_pci_and_back()
    {
        var s = GuestRun.Instance.Scenario("vfioRoundTrip");
        Assert.NotNull(s.Str("target"));
        AssertOnHostDriver(s.At("before"), "before");

        s.At("enable").NoErrors("Enable-VfioDevice");
        Assert.NotEmpty(s.At("enable").Output()); // -PassThru
        Assert.True(s.Str("vfioNodeAppearedAfter") is not null, "/dev/vfio/<group> never appeared");
        var bound = s.At("afterEnable");
        Assert.Equal("vfio-pci", bound.Str("Driver"));
        Assert.Empty(bound.Strings("NetDevs"));
        Assert.Equal("true", bound.Str("VfioNode"));
        // The group is viable: no member left on a host driver.
        foreach (var member in bound.At("GroupDrivers").EnumerateObject())
            Assert.True(member.Value.GetString() is null or "vfio-pci" or "pcieport", $"{member.Name} is on {member.Value.GetString()}");
        Assert.Equal("vfio-pci", s.At("getPciDeviceAfterEnable").Output().Single().Str("Driver"));
        var group = bound.Int("IommuGroup");
        var g = s.At("getIommuGroupAfterEnable").Output().Single(x => x.Int("Number") == group);
        Assert.Equal("true", g.Str("IsViable"));

        s.At("disable").NoErrors("Disable-VfioDevice");
        Assert.True(s.Str("vfioNodeGoneAfter") is not null, "/dev/vfio/<group> did not go away");
        Assert.True(s.Str("netDevBackAfter") is not null, "the netdev did not come back");
        AssertOnHostDriver(s.At("afterDisable"), "after Disable-VfioDevice");
    }

    [GuestFact]
    public void WhatIf_changes_nothing()
    {
        var s = GuestRun.Instance.Scenario("vfioRoundTrip");
        s.At("whatIf").NoErrors("Enable-VfioDevice -WhatIf");
        AssertOnHostDriver(s.At("afterWhatIf"), "after -WhatIf");
    }

    [GuestFact]
    public void Pipeline_from_Get_PciDevice_binds_and_releases()
    {
        var s = GuestRun.Instance.Scenario("vfioRoundTrip");
        s.At("pipeEnable").NoErrors("Get-PciDevice | Enable-VfioDevice");
        Assert.Equal("vfio-pci", s.Str("afterPipeEnable", "Driver"));
        s.At("pipeDisable").NoErrors("Get-PciDevice | Disable-VfioDevice");
        AssertOnHostDriver(s.At("afterPipeDisable"), "after the pipeline Disable-VfioDevice");
    }

    [GuestFact]
    public void Persist_writes_and_removes_the_driverctl_override()
    {
        var s = GuestRun.Instance.Scenario("persist");
        Assert.Null(s.Str("fileBefore"));
        s.At("enable").NoErrors("Enable-VfioDevice -Persist");
        Assert.Equal("vfio-pci", s.Str("fileAfterEnable")?.Trim());
        Assert.Equal("vfio-pci", s.Str("afterEnable", "Driver"));
        Assert.Equal("vfio-pci", s.At("getPciDeviceAfterEnable").Output().Single().Str("PersistentDriverOverride"));
        s.At("disable").NoErrors("Disable-VfioDevice -Persist");
        Assert.Null(s.Str("fileAfterDisable"));
        Assert.Null(s.At("getPciDeviceAfterDisable").Output().Single().Str("PersistentDriverOverride"));
        AssertOnHostDriver(s.At("afterDisable"), "after Disable-VfioDevice -Persist");
    }

    [GuestFact]
    public void A_shared_iommu_group_stays_non_viable_until_IncludeIommuGroup_binds_every_member()
    {
        var s = GuestRun.Instance.Scenario("sharedGroup");
        var members = s.Strings("members");
        Assert.Equal(2, members.Length); // the two functions of the ACS-less NIC
        foreach (var m in s.At("before", "GroupDrivers").EnumerateObject()) Assert.Equal(HostDriver, m.Value.GetString());

        var one = s.At("enableOne");
        one.NoErrors("Enable-VfioDevice on one function");
        Assert.Contains(one.Strings("Warnings"), w => w.Contains("non-viable", StringComparison.Ordinal));
        Assert.Equal("vfio-pci", s.Str("afterEnableOne", "Driver"));
        Assert.Contains(s.At("afterEnableOne", "GroupDrivers").EnumerateObject(), m => m.Value.GetString() == HostDriver);
        Assert.Equal("false", s.At("groupAfterEnableOne").Output().Single().Str("IsViable"));

        s.At("enableGroup").NoErrors("Enable-VfioDevice -IncludeIommuGroup");
        foreach (var m in s.At("afterEnableGroup", "GroupDrivers").EnumerateObject()) Assert.Equal("vfio-pci", m.Value.GetString());
        Assert.Equal("true", s.Str("afterEnableGroup", "VfioNode"));
        Assert.Equal("true", s.At("groupAfterEnableGroup").Output().Single().Str("IsViable"));

        s.At("disableAll").NoErrors("Disable-VfioDevice on both functions");
        foreach (var m in members) AssertOnHostDriver(s.At("afterDisableAll", m), $"{m} after Disable-VfioDevice");
    }

    [GuestFact]
    public void The_nic_carrying_the_default_route_is_refused_unless_forced()
    {
        var s = GuestRun.Instance.Scenario("defaultRoute");
        Assert.NotNull(s.Str("target"));
        // HostUsageReason.Ids.DefaultRoute: the id runbooks catch.
        Assert.Contains(s.At("refused").Errors(), e => e.StartsWith("DeviceCarriesDefaultRoute,", StringComparison.Ordinal));
        AssertOnHostDriver(s.At("afterRefusal"), "after the refusal");
        Assert.NotNull(s.Str("defaultRouteAfterRefusal"));

        s.At("forced").NoErrors("Enable-VfioDevice -Force");
        Assert.Equal("vfio-pci", s.Str("afterForce", "Driver"));
        Assert.Null(s.Str("defaultRouteAfterForce"));

        s.At("disable").NoErrors("Disable-VfioDevice");
        AssertOnHostDriver(s.At("afterDisable"), "after Disable-VfioDevice");
    }

    /// <summary>The failed Enable-VfioDevice reported <paramref name="errorId"/>, left the NIC on its host
    /// driver, and a Disable-VfioDevice afterwards succeeds and changes nothing.</summary>
    private static void AssertFailedWithoutHarm(JsonElement s, string enableKey, string errorId, string afterEnableKey,
        string disableKey, string afterDisableKey)
    {
        Assert.Contains(s.At(enableKey).Errors(), e => e.StartsWith(errorId + ",", StringComparison.Ordinal));
        AssertOnHostDriver(s.At(afterEnableKey), "after the failed Enable-VfioDevice");
        s.At(disableKey).NoErrors("Disable-VfioDevice after the failed Enable-VfioDevice");
        AssertOnHostDriver(s.At(afterDisableKey), "after Disable-VfioDevice");
    }

    [GuestFact]
    public void A_bind_to_a_driver_that_does_not_exist_fails_and_leaves_the_nic_usable() =>
        AssertFailedWithoutHarm(GuestRun.Instance.Scenario("failedBind"),
            "bogusDriver", "ModuleLoadFailed", "afterBogusDriver", "disableAfterBogus", "afterDisableBogus");

    [GuestFact]
    public void A_bind_whose_module_cannot_load_fails_cleanly_and_Disable_VfioDevice_is_harmless()
    {
        var s = GuestRun.Instance.Scenario("failedBind");
        Assert.NotNull(s.Str("moduleFile"));
        Assert.Equal(0, s.Int("hideModule", "ExitCode"));
        AssertFailedWithoutHarm(s, "unloadableModule", "ModuleLoadFailed", "afterUnloadableModule",
            "disableAfterUnloadable", "afterDisableUnloadable");
    }

    [GuestFact]
    public void A_bind_that_fails_after_moving_the_device_rolls_back_and_Disable_VfioDevice_is_harmless()
    {
        var s = GuestRun.Instance.Scenario("failedBind");
        Assert.Equal(0, s.Int("hideVfioNodes", "ExitCode"));
        Assert.Equal(0, s.Int("unhideVfioNodes", "ExitCode"));
        AssertFailedWithoutHarm(s, "nodeHidden", "VfioGroupNodeMissing", "afterNodeHidden",
            "disableAfterNodeHidden", "afterDisableNodeHidden");
    }

    [GuestFact]
    public void Disable_VfioDevice_recovers_a_bind_that_died_half_way()
    {
        var s = GuestRun.Instance.Scenario("failedBind");
        // The provoked state: override set to vfio-pci, host driver unbound, vfio_pci not loaded.
        Assert.Equal("OK", s.Errno("halfOverride"));
        Assert.Equal("OK", s.Errno("halfUnbind"));
        var half = s.At("afterHalfBind");
        Assert.Null(half.Str("Driver"));
        Assert.Equal("vfio-pci", half.Str("DriverOverride"));

        s.At("disableAfterHalf").NoErrors("Disable-VfioDevice on the half-bound NIC");
        AssertOnHostDriver(s.At("afterDisableHalf"), "after Disable-VfioDevice");
    }
}
