using VirtTools.Capability;
using VirtTools.Host;
using VirtTools.Requirements;
using VirtTools.Testing;

namespace VirtTools.Tests;

/// <summary>Verdicts a new user can trust: remedies that fit a VM, and no claim about files that are there.</summary>
public class CaptureVerdictTests
{
    private static Dictionary<string, RequirementCheck> Run(HostFacts f, HypervisorKind set = HypervisorKind.KVM) =>
        new RequirementEvaluator(f).Evaluate(set).ToDictionary(c => c.Name);

    private const string AmdGuestCpu = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\nflags\t\t: fpu lm hypervisor\n\n";

    [Fact]
    public void In_a_virtual_machine_remedies_speak_of_the_outer_hypervisor_not_the_bios()
    {
        using var t = new CapabilityTree(AmdGuestCpu)
            .Dir("/sys/firmware/acpi/tables").Dir("/sys/kernel/iommu_groups")
            .File("/proc/cmdline", "root=/dev/vda2\n");
        var f = t.Facts();
        Assert.True(f.Capability.IsVirtualMachine);
        var r = Run(f);
        foreach (var name in new[] { "IommuFirmware", "IommuEnabled", "SecureGuest", "HardwareVirtualization" })
        {
            var c = r[name];
            Assert.True(c.Status is RequirementStatus.Warn or RequirementStatus.Fail, $"{name}: {c.Status}");
            Assert.DoesNotContain("BIOS", c.Remedy);
            Assert.Contains("outer hypervisor", c.Remedy);
        }
        Assert.Contains("virtual IOMMU", r["IommuFirmware"].Remedy);
        Assert.Contains("virtual IOMMU", r["IommuEnabled"].Remedy);
    }

    [Fact]
    public void On_bare_metal_the_bios_advice_stays()
    {
        using var t = new CapabilityTree(CapabilityTree.AmdCpu.Replace(" sev sev_es", ""))
            .Dir("/sys/firmware/acpi/tables").Dir("/sys/kernel/iommu_groups");
        var r = Run(t.Facts());
        Assert.Contains("BIOS", r["IommuFirmware"].Remedy);
        Assert.Contains("BIOS", r["SecureGuest"].Remedy);
    }

    [Fact]
    public void XenPciback_names_only_what_is_missing()
    {
        using var t = new CapabilityTree().File("/proc/modules", "kvm_intel 1 0 - Live 0x0\n");
        var c = Run(t.Facts(), HypervisorKind.Xen)["XenPciback"];
        Assert.Equal(RequirementStatus.Skip, c.Status);
        Assert.DoesNotContain("/sys/bus/pci/drivers, /proc/modules and modules.dep are not in this root", c.Detail);
        Assert.Contains("(read /sys/bus/pci/drivers, /proc/modules)", c.Detail);
        Assert.Contains("modules.builtin, modules.dep (/lib/modules/6.4.0-150600.23-default) are missing", c.Detail);
    }

    [Fact]
    public void IommuAdvice_in_a_guest_never_says_bios()
    {
        var advice = IommuAdvice.Enable("GenuineIntel", KernelCommandLine.Parse("root=/dev/vda"), true, "KVM");
        Assert.DoesNotContain("BIOS", advice);
        Assert.Contains("virtual IOMMU", advice);
        Assert.Contains("intel_iommu=on", advice);
    }
}
