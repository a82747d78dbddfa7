using System.Text.Json;
using System.Text.RegularExpressions;

namespace VirtTools.Integration.Tests;

/// <summary>Get-PciDevice and Get-IommuGroup against the guest kernel's own view and lspci's.</summary>
public sealed class InventoryTests
{
    private static JsonElement Inv => GuestRun.Instance.Scenario("inventory");

    private static Dictionary<string, JsonElement> ByAddress(IEnumerable<JsonElement> items) =>
        items.ToDictionary(d => d.Str("Address")!, StringComparer.Ordinal);

    [GuestFact]
    public void Get_PciDevice_lists_exactly_the_kernels_functions_with_the_same_ids_drivers_and_groups()
    {
        var inv = Inv;
        inv.At("getPciDevice").NoErrors("Get-PciDevice");
        var kernel = ByAddress(inv.At("kernelDevices").EnumerateArray());
        var cmdlet = ByAddress(inv.At("getPciDevice").Output());
        Assert.Equal(kernel.Keys.Order(), cmdlet.Keys.Order());
        foreach (var (a, k) in kernel)
        {
            var c = cmdlet[a];
            Assert.Equal(k.Str("VendorId"), c.Str("VendorId"));
            Assert.Equal(k.Str("DeviceId"), c.Str("DeviceId"));
            Assert.Equal(k.Str("ClassCode"), c.Str("ClassCode"));
            Assert.True(k.Str("Driver") == c.Str("Driver"), $"{a}: driver {c.Str("Driver")} but the kernel says {k.Str("Driver")}");
            Assert.True(k.Int("IommuGroup") == c.Int("IommuGroup"), $"{a}: group {c.Str("IommuGroup")} but the kernel says {k.Str("IommuGroup")}");
        }
        // The guest was built with four e1000e functions (one of them two-function) and one NVMe controller.
        Assert.Equal(4, cmdlet.Values.Count(d => d.Str("Driver") == "e1000e"));
        Assert.Single(cmdlet.Values, d => d.Str("Driver") == "nvme");
    }

    [GuestFact]
    public void Get_PciDevice_agrees_with_lspci_in_the_guest()
    {
        var inv = Inv;
        Assert.True(inv.Int("lspciExit") == 0, "lspci failed in the guest: " + inv.Str("lspci"));
        var cmdlet = ByAddress(inv.At("getPciDevice").Output());
        Lspci.AssertAgrees(inv.Str("lspci")!, cmdlet);
        // lspci -v ends its Flags line with "IOMMU group N" (pciutils 3.9) when sysfs has the link.
        var groups = inv.Str("lspciVerbose")!.Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(b => (Address: b.Split(' ')[0], Group: Regex.Match(b, @"IOMMU group (\d+)")))
            .Where(x => x.Group.Success).ToArray();
        Assert.NotEmpty(groups);
        foreach (var (a, g) in groups)
            Assert.Equal(int.Parse(g.Groups[1].Value), cmdlet[a].Int("IommuGroup"));
    }

    [GuestFact]
    public void Get_PciDevice_address_wildcards_select_the_endpoints_behind_the_root_ports()
    {
        var w = Inv.At("getPciDeviceWildcard");
        w.NoErrors("Get-PciDevice -Address '0000:0[1-3]:00.*'");
        var expected = Inv.At("kernelDevices").EnumerateArray().Select(d => d.Str("Address")!)
            .Where(a => Regex.IsMatch(a, "^0000:0[1-3]:00\\.")).Order().ToArray();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, w.Output().Select(d => d.Str("Address")!).Order().ToArray());
    }

    [GuestFact]
    public void Get_IommuGroup_matches_the_kernels_groups_and_applies_the_viability_rule()
    {
        var inv = Inv;
        inv.At("getIommuGroup").NoErrors("Get-IommuGroup");
        var kernelGroups = inv.At("kernelGroups").EnumerateObject()
            .ToDictionary(p => int.Parse(p.Name), p => p.Value.EnumerateArray().Select(x => x.GetString()!).Order().ToArray());
        var cmdlet = inv.At("getIommuGroup").Output().ToDictionary(g => g.Int("Number")!.Value);
        Assert.Equal(kernelGroups.Keys.Order(), cmdlet.Keys.Order());
        var devices = ByAddress(inv.At("kernelDevices").EnumerateArray());
        foreach (var (n, members) in kernelGroups)
        {
            Assert.Equal(members, cmdlet[n].Strings("Devices").Select(MemberAddress).Order().ToArray());
            // Ready: every endpoint is on a DMA-safe driver or on none; bridges never block.
            var ready = members.All(a => IsBridge(devices[a]) || devices[a].Str("Driver") is null or "vfio-pci" or "pci-stub");
            Assert.True(ready == (cmdlet[n].Str("IsReady") == "true"), $"group {n}: IsReady {cmdlet[n].Str("IsReady")}, members {string.Join(", ", members.Select(a => $"{a}={devices[a].Str("Driver")}"))}");
            // Viable: ready, and isolated (an endpoint to give, none of them a platform function).
            Assert.True(cmdlet[n].Str("IsViable") == (cmdlet[n].Str("IsReady") == "true" && cmdlet[n].Str("IsIsolated") == "true" ? "true" : "false"), $"group {n}");
            if (members.All(a => IsBridge(devices[a]))) Assert.Equal("false", cmdlet[n].Str("IsIsolated"));
        }
    }

    internal static string MemberAddress(string member) => member.Split(' ')[0];

    private static bool IsBridge(JsonElement kernelDevice) => kernelDevice.Str("ClassCode")!.StartsWith("06", StringComparison.Ordinal);
}
