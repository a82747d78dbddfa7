using VirtTools.Host;
using VirtTools.Pci;
using VirtTools.Testing;

namespace VirtTools.Tests.Privileges;

/// <summary>Who the process is, from /proc/self/status through the host seam, and what a change then says.</summary>
public class HostPrivilegesTests
{
    private static readonly LinuxCapability[] Dac = { LinuxCapability.CAP_DAC_OVERRIDE };

    [Fact]
    public void An_ordinary_user_has_no_capabilities_and_is_named()
    {
        using var t = new TempTree();
        SimulatedUser.WriteStatus(t.Root, 1000, 0, "alice");
        var p = HostPrivileges.Read(t.Files);
        Assert.Equal(1000, p.EffectiveUid);
        Assert.Equal(0UL, p.EffectiveCapabilities);
        Assert.Equal("uid 1000 (alice)", p.Describe());
        Assert.Equal(Dac, p.Missing(Dac));
        Assert.True(p.ConfigSpaceTruncated);
    }

    [Fact]
    public void Root_passes_and_reads_all_of_config_space()
    {
        using var t = new TempTree();
        SimulatedUser.WriteStatus(t.Root, 0, SimulatedUser.RootCapabilities, "root");
        var p = HostPrivileges.Read(t.Files);
        Assert.Null(p.Refusal("Enable-VfioDevice", "binds devices", new[] { LinuxCapability.CAP_DAC_OVERRIDE, LinuxCapability.CAP_SYS_MODULE }));
        Assert.False(p.ConfigSpaceTruncated);
        Assert.Null(PciConfigAccess.Warning(p));
    }

    [Fact]
    public void Capabilities_decide_not_the_uid()
    {
        using var t = new TempTree();
        // A service account given CAP_NET_ADMIN only (systemd AmbientCapabilities): enough for ip link, not for sysfs files.
        SimulatedUser.WriteStatus(t.Root, 998, 1UL << 12, "svc");
        var p = HostPrivileges.Read(t.Files);
        Assert.Null(p.Refusal("Set-SriovVf", "sets VFs", new[] { LinuxCapability.CAP_NET_ADMIN }));
        var e = p.Refusal("Set-SriovVf", "sets VF properties", new[] { LinuxCapability.CAP_NET_ADMIN, LinuxCapability.CAP_DAC_OVERRIDE });
        Assert.NotNull(e);
        Assert.Equal("RequiresRoot", e!.ErrorId);
        Assert.Equal(FailureKind.PermissionDenied, e.Kind);
        Assert.Contains("uid 998 (svc) without CAP_DAC_OVERRIDE.", e.Message);
        Assert.DoesNotContain("CAP_NET_ADMIN.", e.Message);
        Assert.Contains("Nothing was changed", e.Message);
        Assert.Contains("sudo virttools", e.RecommendedAction);
        Assert.Contains("CAP_NET_ADMIN, CAP_DAC_OVERRIDE", e.RecommendedAction);
    }

    [Fact]
    public void A_status_that_cannot_be_read_refuses_nothing()
    {
        using var t = new TempTree();
        t.Builder.EnsureDir("/proc");
        var p = HostPrivileges.Read(t.Files);
        Assert.Null(p.EffectiveUid);
        Assert.Null(p.Refusal("Set-SriovVfCount", "writes sriov_numvfs", Dac));
        Assert.False(p.ConfigSpaceTruncated);
        Assert.Equal("an unknown user", p.Describe());
    }

    [Fact]
    public void Only_the_live_or_a_simulated_live_root_is_checked()
    {
        using var t = new TempTree();
        SimulatedUser.WriteStatus(t.Root, 1000, 0);
        var files = new DiskFileSystem(t.Root);
        var runner = new SimulatedProcessRunner();
        var recorded = new HostContext(files, new ModprobeLoader(files, runner), runner);
        Assert.Null(recorded.Privileges);
        var simulated = new HostContext(files, new ModprobeLoader(files, runner), runner) { SimulatesLiveRoot = true };
        Assert.Equal(1000, simulated.Privileges!.EffectiveUid);
        var live = new DiskFileSystem("/");
        Assert.NotNull(new HostContext(live, new ModprobeLoader(live, runner), runner).Privileges);
    }

    [Fact]
    public void The_config_space_warning_says_what_is_missing_once()
    {
        using var t = new TempTree();
        SimulatedUser.WriteStatus(t.Root, 65534, 0, "nobody");
        var w = PciConfigAccess.Warning(HostPrivileges.Read(t.Files));
        Assert.NotNull(w);
        Assert.Contains("uid 65534 (nobody)", w);
        Assert.Contains("first 64 bytes", w);
        Assert.Contains("CAP_SYS_ADMIN", w);
        Assert.Null(PciConfigAccess.Warning(null));
    }
}
