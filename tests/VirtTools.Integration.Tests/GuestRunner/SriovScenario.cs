using System.Diagnostics;

namespace VirtTools.Integration.GuestRunner;

/// <summary>Set-SriovVfCount on the emulated NVMe PF (sriov_max_vfs=4): counts, refusals, VFIO holders, udev persistence.</summary>
public sealed partial class Scenarios
{
    private static string? SriovPf() => Guest.Addresses().FirstOrDefault(a => File.Exists(Path.Combine(Guest.Dev(a), "sriov_totalvfs")));

    private static string[] VfsOf(string pf) =>
        Directory.GetFileSystemEntries(Guest.Dev(pf), "virtfn*").Order().Select(Guest.LinkName).OfType<string>().ToArray();

    private static object SriovState(string pf) => new
    {
        NumVfs = Guest.Read(Path.Combine(Guest.Dev(pf), "sriov_numvfs")),
        AutoProbe = Guest.Read(Path.Combine(Guest.Dev(pf), "sriov_drivers_autoprobe")),
        PfDriver = Guest.Driver(pf),
        Vfs = VfsOf(pf).ToDictionary(v => v, v => Guest.Driver(v)),
    };

    private PsResult SetCount(Scenario s, string key, string pf, int count, string extra = "")
    {
        var t = Stopwatch.StartNew();
        var r = _shell.Invoke($"Set-SriovVfCount -Address $args[0] -Count $args[1] -Confirm:$false -Verbose {extra}", pf, count);
        s.Set(key, r);
        s.Set(key + "Seconds", Math.Round(t.Elapsed.TotalSeconds, 3));
        s.Set(key + "State", SriovState(pf));
        return r;
    }

    private void SriovCmdlet(Scenario s)
    {
        var pf = SriovPf();
        s.Set("pf", pf);
        if (pf is null) return;
        var numvfs = Path.Combine(Guest.Dev(pf), "sriov_numvfs");
        s.Set("before", SriovState(pf));

        // The kernel's own time, as `echo N > sriov_numvfs` sees it.
        s.Set("raw", new[] { 2, 0, 4, 0 }.Select(n => Guest.WriteRaw(numvfs, n.ToString())).ToArray());

        // 0 -> 2 -> 4 -> 0 through the cmdlet (4 goes through 0), -PassThru for the re-read PF.
        SetCount(s, "toTwo", pf, 2, "-PassThru");
        SetCount(s, "toFour", pf, 4, "-PassThru");
        SetCount(s, "toZero", pf, 0, "-PassThru");

        SetCount(s, "aboveTotal", pf, 5);
        SetCount(s, "noAutoProbe", pf, 2, "-AutoProbe:$false");
        SetCount(s, "noAutoProbeZero", pf, 0, "-AutoProbe:$true");

        HeldOpen(s, pf);
        SriovPipeline(s, pf);
        PersistWithUdev(s, pf);
        s.Set("after", SriovState(pf));
    }

    /// <summary>A VF on vfio-pci with its group and device open in another process, as QEMU holds it.</summary>
    private void HeldOpen(Scenario s, string pf)
    {
        SetCount(s, "heldSetup", pf, 1, "-AutoProbe:$false");
        var vf = VfsOf(pf).FirstOrDefault();
        s.Set("heldVf", vf);
        if (vf is null) return;
        s.Set("heldEnable", _shell.Invoke("Enable-VfioDevice -Address $args[0] -Confirm:$false -PassThru", vf));
        var group = Guest.Group(vf);
        s.Set("heldGroup", group);
        if (group is null || Guest.Driver(vf) != "vfio-pci") return;
        var self = System.Environment.ProcessPath!;
        var psi = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        // Started the way this runner was: `dotnet GuestRunner.dll` or the apphost.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(Scenarios).Assembly.Location);
        foreach (var a in new[] { "--hold-vfio", group.Value.ToString(), vf }) psi.ArgumentList.Add(a);
        using var holder = Process.Start(psi)!;
        try
        {
            var line = holder.StandardOutput.ReadLine();
            s.Set("holder", line);
            s.Set("holderPid", holder.Id);
            if (line?.StartsWith("holding") != true) return;
            SetCount(s, "heldRefused", pf, 0, "-Force");
            SetCount(s, "heldRefusedWhatIf", pf, 0, "-WhatIf");
        }
        finally
        {
            holder.StandardInput.Close();
            if (!holder.WaitForExit(60_000)) holder.Kill();
            s.Set("holderExit", holder.HasExited ? holder.ExitCode : (int?)null);
        }
        // Released now, but still on vfio-pci: refused without -Force, removed with it.
        SetCount(s, "idleRefused", pf, 0);
        SetCount(s, "idleForced", pf, 0, "-Force");
    }

    /// <summary>The pipeline of the issue, with the NVMe class instead of Network.</summary>
    private void SriovPipeline(Scenario s, string pf)
    {
        var t = Stopwatch.StartNew();
        s.Set("pipeline", _shell.Invoke(
            "Get-PciDevice -Class 0108 | Where-Object SriovTotalVfs -gt 0 | Set-SriovVfCount -Count 2 -AutoProbe:$false -PassThru -Confirm:$false | " +
            "Get-PciDevice -VirtualFunctionOf | Enable-VfioDevice -Confirm:$false -PassThru"));
        s.Set("pipelineSeconds", Math.Round(t.Elapsed.TotalSeconds, 3));
        s.Set("pipelineState", SriovState(pf));
        s.Set("pipelineVfio", VfsOf(pf).ToDictionary(v => v, v => Guest.Group(v) is int g && Guest.VfioNode(g)));
        SetCount(s, "pipelineCleanup", pf, 0, "-Force -AutoProbe:$true");
    }

    /// <summary>
    /// -Persist: the udev rule brings the VFs back when the PF's driver binds. nvme leaves SR-IOV enabled
    /// when it unbinds, so the count is first set to 0 by hand, as after a reboot.
    /// </summary>
    private void PersistWithUdev(Scenario s, string pf)
    {
        const string rules = "/etc/udev/rules.d/70-virttools-sriov.rules";
        var udevd = new[] { "/lib/systemd/systemd-udevd", "/usr/lib/systemd/systemd-udevd" }.FirstOrDefault(File.Exists);
        s.Set("udevd", udevd);
        if (udevd is null) return;
        var numvfs = Path.Combine(Guest.Dev(pf), "sriov_numvfs");
        // The guest runs in a chroot; without this udevadm ignores every request.
        static ProgramRun Udevadm(params string[] a) => Guest.Run("env", new[] { "SYSTEMD_IGNORE_CHROOT=1", "udevadm" }.Concat(a).ToArray());
        // In the foreground as our child, so that it is ours to stop; its log joins the runner's output.
        using var daemon = Process.Start(new ProcessStartInfo("env", new[] { "SYSTEMD_IGNORE_CHROOT=1", udevd }) { UseShellExecute = false })!;
        try
        {
            s.Set("udevdReady", Guest.WaitFor(() => File.Exists("/run/udev/control"), 30));
            SetCount(s, "persist", pf, 2, "-Persist -AutoProbe:$false");
            s.Set("rulesAfterPersist", Guest.Read(rules));
            s.Set("getPciDevicePersist", _shell.Invoke("Get-PciDevice -Address $args[0]", pf));
            s.Set("udevReload", Udevadm("control", "--reload"));
            s.Set("resetToZero", Guest.WriteRaw(numvfs, "0"));
            var driver = Guest.Driver(pf)!;
            s.Set("unbindPf", Guest.WriteRaw($"/sys/bus/pci/drivers/{driver}/unbind", pf));
            s.Set("afterUnbind", SriovState(pf));
            s.Set("bindPf", Guest.WriteRaw($"/sys/bus/pci/drivers/{driver}/bind", pf));
            s.Set("vfsBackAfter", Guest.WaitFor(() => Guest.Read(numvfs) == "2" && VfsOf(pf).Length == 2, 60));
            s.Set("afterBind", SriovState(pf));
            s.Set("udevSettle", Udevadm("settle", "--timeout=30"));
            SetCount(s, "unpersist", pf, 0, "-Persist -AutoProbe:$true");
            s.Set("rulesAfterUnpersist", Guest.Read(rules));
        }
        finally
        {
            s.Set("udevdStop", Udevadm("control", "--exit"));
            if (!daemon.WaitForExit(20_000)) daemon.Kill(entireProcessTree: true);
            s.Set("udevdExit", daemon.HasExited ? daemon.ExitCode : (int?)null);
        }
    }
}
