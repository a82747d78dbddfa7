namespace VirtTools.Integration.Tests;

/// <summary>The guest itself: the kernel, IOMMU and devices the other tests rely on.</summary>
public sealed class HarnessTests
{
    private static GuestRun Run => GuestRun.Instance;

    [GuestFact]
    public void Guest_runs_every_scenario_to_the_end()
    {
        Assert.True(Run.ExitCode == 0, $"guest run exited {Run.ExitCode}:\n{Run.Output}");
        foreach (var name in new[] { "runner", "environment", "inventory", "rawVfio", "vfioRoundTrip", "persist", "sharedGroup", "defaultRoute", "failedBind", "sriov" })
            Run.Scenario(name);
        Assert.True(Run.Results.Str("runner", "totalSeconds") is not null, "the runner did not finish");
    }

    [GuestFact]
    public void Module_imports_in_the_guest_with_the_cmdlets_under_test()
    {
        var runner = Run.Scenario("runner");
        Assert.Empty(runner.Strings("importErrors"));
        var exported = runner.Strings("exportedCmdlets");
        foreach (var c in new[] { "Get-PciDevice", "Get-IommuGroup", "Enable-VfioDevice", "Disable-VfioDevice" })
            Assert.Contains(c, exported);
    }

    [GuestFact]
    public void Guest_kernel_runs_with_an_iommu_vfio_and_the_test_devices()
    {
        var env = Run.Scenario("environment");
        Assert.Contains("intel_iommu=on", env.Str("cmdline"));
        Assert.True(env.Int("iommuGroups") > 0, "no IOMMU groups: the emulated intel-iommu is not active");
        var modules = env.Strings("modules");
        foreach (var m in new[] { "vfio", "vfio_pci", "vfio_iommu_type1", "e1000e", "nvme" })
            Assert.Contains(m, modules);
        var nics = env.At("nics").EnumerateArray().Where(n => n.Str("Pci") is not null).ToArray();
        Assert.Equal(4, nics.Length);
        Assert.Single(nics, n => n.Str("DefaultRoute") == "true");
    }
}
