using System.Text.Json;

namespace VirtTools.Integration.Tests;

/// <summary>
/// uid 65534 without groups or capabilities (setpriv) on the guest's real kernel: reading works and says
/// that config space is cut to 64 bytes; every host-changing cmdlet stops with RequiresRoot and the
/// device keeps its driver (the "unprivileged" scenario of the shared boot).
/// </summary>
public class UnprivilegedTests
{
    private static JsonElement S => GuestRun.Instance.Scenario("unprivileged");
    private static JsonElement Child => S.At("child");

    [GuestFact]
    public void The_child_ran_as_nobody_without_capabilities()
    {
        Assert.True(S.Int("exit") == 0, S.Str("stderr"));
        var status = Child.Strings("status");
        Assert.Contains(status, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^Uid:\s+65534\s+65534\s"));
        Assert.Contains(status, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^CapEff:\s+0+$"));
        Assert.Empty(Child.At("importErrors").EnumerateArray());
    }

    [GuestFact]
    public void Get_PciDevice_reads_every_device_and_warns_once_about_config_space()
    {
        var r = Child.At("getPciDevice");
        Assert.Empty(r.Errors());
        var devices = r.Output();
        Assert.True(devices.Length >= 5, $"{devices.Length} devices");
        Assert.All(devices, d => Assert.False(string.IsNullOrEmpty(d.Str("VendorId"))));
        var cut = r.Strings("Warnings").Where(w => w.Contains("first 64 bytes")).ToArray();
        Assert.Single(cut);
        Assert.StartsWith("Running as uid 65534 (nobody), not root", cut[0]);
    }

    [GuestTheory]
    [InlineData("enableVfio", "EnableVfioDeviceCommand")]
    [InlineData("setSriovVfCount", "SetSriovVfCountCommand")]
    [InlineData("setKernelParameter", "SetVHSKernelParameterCommand")]
    [InlineData("importModule", "ImportVHSKernelModuleCommand")]
    public void A_host_change_stops_with_one_RequiresRoot(string key, string command)
    {
        var errors = Child.At(key).At("Errors").EnumerateArray().ToArray();
        var e = Assert.Single(errors);
        Assert.Equal($"RequiresRoot,VirtTools.Commands.{command}", e.Str("FullyQualifiedErrorId"));
        Assert.Equal("PermissionDenied", e.Str("Category"));
        Assert.Contains("uid 65534 (nobody)", e.Str("Message"));
    }

    [GuestFact]
    public void The_device_keeps_its_driver()
    {
        Assert.Equal("e1000e", S.Str("driverBefore"));
        Assert.Equal(S.Str("driverBefore"), S.Str("driverAfter"));
    }
}
