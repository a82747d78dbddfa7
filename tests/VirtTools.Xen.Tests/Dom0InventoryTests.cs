using System.Text.Json;

namespace VirtTools.Xen.Tests;

/// <summary>
/// The lab itself (a real Xen, this kernel as its Dom0) and the inventory cmdlets against what Xen, the
/// Dom0 kernel and lspci say there.
/// </summary>
public sealed class Dom0InventoryTests
{
    private static XenLab Lab => XenLab.Instance;
    private static JsonElement Env => Lab.Scenario("xenEnvironment");
    private static JsonElement Inv => Lab.Scenario("xenInventory");

    /// <summary>"key : value" lines of `xl info`.</summary>
    private static Dictionary<string, string> XlInfo()
    {
        var xl = Env.At("xlInfo");
        Assert.True(xl.Int("ExitCode") == 0, "xl info failed in Dom0: " + xl.Str("Output"));
        return xl.Str("Output")!.Split('\n').Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0].Trim()).ToDictionary(g => g.Key, g => g.First()[1].Trim());
    }

    [XenFact]
    public void Dom0_runs_every_scenario_to_the_end()
    {
        Assert.True(Lab.ExitCode == 0, $"the Xen lab exited {Lab.ExitCode}:\n{Lab.Output}");
        foreach (var name in new[] { "runner", "xenEnvironment", "xenInventory", "pciback", "pcibackGuards", "xenGuest" })
            Lab.Scenario(name);
        Assert.Empty(Lab.Scenario("runner").Strings("importErrors"));
    }

    [XenFact]
    public void The_lab_is_a_real_Xen_Dom0_with_its_toolstack()
    {
        Assert.Equal("xen", Env.Str("hypervisorType"));
        Assert.Contains("control_d", Env.Str("xenCapabilities"));
        Assert.StartsWith("4.17.", Env.Str("version"));
        Assert.Contains("pciback", Env.Strings("modules").Select(m => m.Replace('_', '-').Replace("xen-", "")));
        Assert.Equal(Env.Str("version"), XlInfo()["xen_version"]);
        Assert.Contains("Domain-0", Env.Str("xlList", "Output"));
    }

    [XenFact]
    public void Get_VHSCapability_reports_Xen_Dom0_its_version_and_the_modes_Xen_offers()
    {
        Inv.At("getCapability").NoErrors("Get-VHSCapability");
        var cap = Inv.At("getCapability").Output().Single();
        var xl = XlInfo();
        Assert.Equal("true", cap.Str("IsXenDom0"));
        Assert.Equal("Xen", cap.Str("Hypervisor"));
        Assert.Equal("false", cap.Str("IsVirtualMachine"));
        Assert.Equal(xl["xen_version"], cap.Str("XenVersion"));
        Assert.Equal(xl["xen_caps"].Split(' ', StringSplitOptions.RemoveEmptyEntries), cap.Strings("XenCapabilities"));
        Assert.Equal(new[] { "Xen" }, cap.Strings("SupportedHypervisors"));
        // HVM (and so FV and PVHVM guests) only where Xen enabled VMX/SVM: xl info virt_caps says "hvm".
        var hvm = xl["virt_caps"].Split(' ').Contains("hvm");
        var modes = cap.Strings("VirtualizationModes");
        Assert.Contains("PV", modes);
        Assert.Equal(hvm, modes.Contains("FV"));
        Assert.Equal(hvm, modes.Contains("PVHVM"));
        // Xen keeps SVM for itself: a PV Dom0 has no /dev/kvm.
        Assert.Equal("false", cap.Str("KvmDevicePresent"));
        Assert.Equal("HiddenByXen", cap.Str("IommuFirmwareTable"));
    }

    [XenFact]
    public void Test_VHSRequirement_Xen_rows_pass_or_fail_for_the_real_reasons()
    {
        var checks = Inv.At("testRequirementXen").Output().ToDictionary(c => c.Str("Name")!, c => c);
        string Status(string name) => checks[name].Str("Status")!;
        var xl = XlInfo();
        Assert.Equal("Pass", Status("XenHypervisor"));
        Assert.Contains(xl["xen_version"], checks["XenHypervisor"].Str("Detail"));
        Assert.Equal("Pass", Status("XenDom0"));
        Assert.Equal(xl["xen_caps"].Contains("hvm-") ? "Pass" : "Warn", Status("XenHvm"));
        // The IOMMU as Xen sees it: pass-through needs hvm_directio or pv_directio in virt_caps.
        var directio = xl["virt_caps"].Split(' ').Any(c => c.EndsWith("_directio", StringComparison.Ordinal));
        Assert.Equal(directio ? "Pass" : "Warn", Status("XenIommu"));
        Assert.Equal("Pass", Status("XenPciback"));
        Assert.Equal(Env.Str("devNetTun") == "true" ? "Pass" : "Fail", Status("Tun"));
        // On a Dom0 the default set is the Xen set.
        Assert.Equal(checks.Keys.Order(), Inv.At("testRequirementDefault").Output().Select(c => c.Str("Name")!).Order());
    }

    [XenFact]
    public void Get_PciDevice_agrees_with_the_Dom0_kernel_and_lspci()
    {
        Inv.At("getPciDevice").NoErrors("Get-PciDevice");
        var cmdlet = Inv.At("getPciDevice").Output().ToDictionary(d => d.Str("Address")!);
        var kernel = Inv.At("kernelDevices").EnumerateArray().ToDictionary(d => d.Str("Address")!);
        Assert.Equal(kernel.Keys.Order(), cmdlet.Keys.Order());
        Assert.True(Inv.Int("lspciExit") == 0, "lspci failed in Dom0: " + Inv.Str("lspci"));
        Lspci.AssertAgrees(Inv.Str("lspci")!, cmdlet);
        foreach (var (a, k) in kernel) Assert.Equal(k.Str("Driver"), cmdlet[a].Str("Driver"));
        // The lab's two e1000e NICs; Dom0 has no IOMMU groups (Xen owns the IOMMU).
        Assert.Equal(2, cmdlet.Values.Count(d => d.Str("Driver") == "e1000e"));
        Assert.Equal(0, Env.Int("iommuGroups"));
    }
}
