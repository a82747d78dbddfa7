using System.Text.Json;

namespace VirtTools.Integration.Tests;

/// <summary>Set-SriovVfCount on the real kernel: the emulated NVMe PF with sriov_max_vfs=4.</summary>
public sealed class SriovCmdletTests
{
    private const string Fq = ",VirtTools.Commands.SetSriovVfCountCommand";

    private static JsonElement S => GuestRun.Instance.Scenario("sriovCmdlet");

    private static string[] VfsIn(JsonElement state) =>
        state.At("Vfs").EnumerateObject().Select(p => p.Name).ToArray();

    private static string?[] VfDrivers(JsonElement state) =>
        state.At("Vfs").EnumerateObject().Select(p => p.Value.ValueKind == JsonValueKind.Null ? null : p.Value.GetString()).ToArray();

    [GuestFact]
    public void Zero_two_four_zero_through_the_cmdlet()
    {
        var s = S;
        foreach (var (key, n) in new[] { ("toTwo", 2), ("toFour", 4), ("toZero", 0) })
        {
            s.At(key).NoErrors($"Set-SriovVfCount -Count {n}");
            Assert.Equal(n.ToString(), s.Str(key + "State", "NumVfs"));
            Assert.Equal(n, VfsIn(s.At(key + "State")).Length);
            var pf = Assert.Single(s.At(key).Output());
            Assert.Equal(s.Str("pf"), pf.Str("Address"));
            Assert.Equal(n, pf.Int("SriovNumVfs"));
            Assert.Equal(n, pf.Strings("VirtualFunctions").Length);
        }
        // 2 -> 4 went through 0 in one command.
        var verbose = s.Strings("toFour", "Verbose");
        Assert.Contains(verbose, v => v.Contains("sriov_numvfs = 0 took"));
        Assert.Contains(verbose, v => v.Contains("sriov_numvfs = 4 took"));
    }

    [GuestFact]
    public void A_count_above_total_is_refused_with_nothing_changed()
    {
        var s = S;
        var e = Assert.Single(s.At("aboveTotal", "Errors").EnumerateArray());
        Assert.Equal("SriovCountAboveTotal" + Fq, e.Str("FullyQualifiedErrorId"));
        Assert.Contains("TotalVFs 4", e.Str("Message"));
        Assert.Equal("0", s.Str("aboveTotalState", "NumVfs"));
    }

    [GuestFact]
    public void AutoProbe_false_leaves_the_vfs_without_a_driver()
    {
        var s = S;
        s.At("noAutoProbe").NoErrors("Set-SriovVfCount -AutoProbe:$false");
        Assert.Equal("0", s.Str("noAutoProbeState", "AutoProbe"));
        Assert.Equal(2, VfsIn(s.At("noAutoProbeState")).Length);
        Assert.All(VfDrivers(s.At("noAutoProbeState")), Assert.Null);
        Assert.Equal("1", s.Str("noAutoProbeZeroState", "AutoProbe"));
    }

    [GuestFact]
    public void A_vf_held_open_through_vfio_is_refused_promptly_even_with_Force()
    {
        var s = S;
        Assert.StartsWith("holding", s.Str("holder"));
        var vf = s.Str("heldVf")!;
        var e = Assert.Single(s.At("heldRefused", "Errors").EnumerateArray());
        Assert.Equal("SriovVfHeldOpen" + Fq, e.Str("FullyQualifiedErrorId"));
        Assert.Equal(vf, e.Str("Target"));
        var msg = e.Str("Message")!;
        Assert.Contains($"IOMMU group {s.Int("heldGroup")}", msg);
        Assert.Contains($"PID {s.Int("holderPid")}", msg);
        Assert.Equal("1", s.Str("heldRefusedState", "NumVfs"));
        Assert.Equal("vfio-pci", VfDrivers(s.At("heldRefusedState")).Single());
        // "Promptly": a write would have blocked until the holder let go (60 s later at the earliest).
        Assert.True(s.At("heldRefusedSeconds").GetDouble() < 30, $"took {s.At("heldRefusedSeconds").GetDouble()} s");
        Assert.Equal("SriovVfHeldOpen" + Fq, s.At("heldRefusedWhatIf", "Errors").EnumerateArray().Single().Str("FullyQualifiedErrorId"));
        Assert.Equal(0, s.Int("holderExit"));

        // Once the holder is gone the VF is idle on vfio-pci: -Force is needed, and enough.
        Assert.Equal("SriovVfBoundToPassthrough" + Fq, s.At("idleRefused", "Errors").EnumerateArray().Single().Str("FullyQualifiedErrorId"));
        Assert.Equal("1", s.Str("idleRefusedState", "NumVfs"));
        s.At("idleForced").NoErrors("Set-SriovVfCount -Force on an idle vfio-pci VF");
        Assert.Equal("0", s.Str("idleForcedState", "NumVfs"));
    }

    [GuestFact]
    public void The_pipeline_of_the_issue_runs_on_the_nvme_pf()
    {
        var s = S;
        s.At("pipeline").NoErrors("Get-PciDevice | Set-SriovVfCount | Get-PciDevice -VirtualFunctionOf | Enable-VfioDevice");
        var vfs = s.At("pipeline").Output();
        Assert.Equal(2, vfs.Length);
        Assert.All(vfs, d => Assert.Equal("vfio-pci", d.Str("Driver")));
        Assert.All(vfs, d => Assert.Equal(s.Str("pf"), d.Str("PhysicalFunction")));
        Assert.All(s.At("pipelineVfio").EnumerateObject(), p => Assert.True(p.Value.GetBoolean(), $"/dev/vfio node of {p.Name}"));
        s.At("pipelineCleanup").NoErrors("Set-SriovVfCount 0 -Force after the pipeline");
        Assert.Equal("0", s.Str("pipelineCleanupState", "NumVfs"));
    }

    [GuestFact]
    public void Persist_brings_the_vfs_back_when_the_pf_driver_binds_again()
    {
        var s = S;
        Assert.NotNull(s.Str("udevd"));
        Assert.NotNull(s.Str("udevdReady"));
        Assert.Equal(0, s.Int("udevReload", "ExitCode"));
        s.At("persist").NoErrors("Set-SriovVfCount -Persist");
        Assert.Contains($"KERNEL==\"{s.Str("pf")}\", ATTR{{sriov_drivers_autoprobe}}=\"0\", ATTR{{sriov_numvfs}}=\"2\"", s.Str("rulesAfterPersist"));
        Assert.Equal(2, s.At("getPciDevicePersist").Output().Single().Int("PersistentSriovNumVfs"));
        Assert.Equal("OK", s.Errno("resetToZero"));
        Assert.Equal("OK", s.Errno("unbindPf"));
        Assert.Equal("0", s.Str("afterUnbind", "NumVfs"));
        Assert.Null(s.Str("afterUnbind", "PfDriver"));
        Assert.Equal("OK", s.Errno("bindPf"));
        Assert.NotNull(s.Str("vfsBackAfter"));
        Assert.Equal("2", s.Str("afterBind", "NumVfs"));
        Assert.All(VfDrivers(s.At("afterBind")), Assert.Null);
        s.At("unpersist").NoErrors("Set-SriovVfCount 0 -Persist");
        Assert.Null(s.Str("rulesAfterUnpersist"));
        Assert.Equal("0", s.Str("after", "NumVfs"));
    }

    [GuestFact]
    public void Enable_and_disable_times_are_recorded_next_to_the_raw_writes()
    {
        var s = S;
        var raw = s.At("raw").EnumerateArray().ToArray();
        Assert.All(raw, w => Assert.Equal("OK", w.Str("ErrnoName")));
        var lines = new List<string>
        {
            $"raw echo 2: {raw[0].At("Seconds").GetDouble():0.000} s, raw echo 0: {raw[1].At("Seconds").GetDouble():0.000} s, " +
            $"raw echo 4: {raw[2].At("Seconds").GetDouble():0.000} s, raw echo 0: {raw[3].At("Seconds").GetDouble():0.000} s",
        };
        foreach (var key in new[] { "toTwo", "toFour", "toZero" })
            lines.Add($"Set-SriovVfCount {key}: {s.At(key + "Seconds").GetDouble():0.000} s in all; " +
                      string.Join("; ", s.Strings(key, "Verbose").Where(v => v.Contains(" took "))));
        Console.WriteLine("[sriov timings]\n" + string.Join('\n', lines));
        Assert.True(s.At("toTwoSeconds").GetDouble() > 0);
    }
}
