using System.Diagnostics;
using System.Management.Automation;

namespace VirtTools.Migration.Tests;

/// <summary>
/// Move-VMGuest for real: one TCG guest (direct kernel boot, no disk, a console that prints "tick N"
/// every second) moves between daemon A and daemon B. The tick counter in its console file (both
/// QEMUs append to the same file) must go on without a gap or a new boot id.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class MoveVMGuestTests
{
    private const string Guest = "vtmig";
    private readonly Lab _lab;
    private static string? s_console;

    public MoveVMGuestTests(Lab lab) => _lab = lab;

    /// <summary>
    /// The counter guest, running on A (started once, moved back when a test left it on B). It is
    /// persistent, so that a QEMU that dies (OOM killer, crash) leaves a shut-off definition with its
    /// reason behind instead of a guest that vanished.
    /// </summary>
    private string OnA()
    {
        if (s_console is null) s_console = _lab.StartCounterGuest(_lab.AUri, Guest, persistent: true);
        else if (_lab.State(_lab.AUri, Guest) != "running")
        {
            Assert.True(_lab.State(_lab.BUri, Guest) == "running", _lab.WhereIs(Guest));
            _lab.Virsh(_lab.BUri, "migrate", "--live", Guest, _lab.AUri, "--migrateuri", $"unix://{_lab.MigDir}/back-{Guid.NewGuid():N}.sock");
        }
        return s_console;
    }

    private static void AssertCounterContinuous(string console)
    {
        var ticks = Lab.Ticks(console);
        Assert.Single(ticks.Select(t => t.Boot).Distinct());
        for (int i = 1; i < ticks.Count; i++)
            Assert.True(ticks[i].Tick == ticks[i - 1].Tick + 1, $"tick {ticks[i - 1].Tick} followed by {ticks[i].Tick}: the guest restarted or lost time");
    }

    private static object? P(PSObject o, string name) => o.Properties[name]?.Value;

    private Lab.Result Move(string destination, string extra = "", string? name = null) =>
        _lab.Invoke($"Move-VMGuest -Name $name -DestinationUri $dest -ConnectionUri $src -MigrationUri $mig {extra}",
            new Dictionary<string, object?>
            {
                ["name"] = name ?? Guest,
                ["dest"] = destination,
                ["src"] = destination == _lab.BUri ? _lab.AUri : _lab.BUri,
                ["mig"] = $"unix://{_lab.MigDir}/{Guid.NewGuid():N}.sock",
            });

    [LabFact]
    public void Live_there_and_back_keeps_the_guest_running()
    {
        var console = OnA();
        var before = Lab.WaitForTicks(console, 2, TimeSpan.FromSeconds(30));

        var there = Move(_lab.BUri, "-Persistent -UndefineSource");
        Assert.True(there.Errors.Count == 0, there.ErrorText);
        Assert.Contains("yes", _lab.Virsh(_lab.BUri, "dominfo", Guest).Split('\n').Single(l => l.StartsWith("Persistent")));
        var m = Assert.Single(there.Output);
        Assert.Equal("VirtTools.VMGuestMigration", m.TypeNames[0]);
        Assert.Equal(("running", null), (_lab.State(_lab.BUri, Guest), _lab.State(_lab.AUri, Guest)));
        Assert.Equal("Live", P(m, "Mode"));
        Assert.True((TimeSpan)P(m, "TotalTime")! > TimeSpan.Zero);
        Assert.InRange(((TimeSpan)P(m, "Downtime")!).TotalMilliseconds, 1, 30_000);
        Assert.True((long)P(m, "DataTransferredBytes")! > 0);

        Lab.WaitForTicks(console, Lab.Ticks(console).Count + 2, TimeSpan.FromSeconds(30));
        var back = _lab.Invoke("Get-VMGuestSnapshot -Name $name -ConnectionUri $b; Move-VMGuest $name $a -ConnectionUri $b -MigrationUri $mig -UndefineSource -PassThru",
            new Dictionary<string, object?> { ["name"] = Guest, ["a"] = _lab.AUri, ["b"] = _lab.BUri, ["mig"] = $"unix://{_lab.MigDir}/back.sock" });
        Assert.Empty(back.Errors);
        var g = Assert.Single(back.Output);
        Assert.Equal(Guest, g.Properties["Name"].Value);
        Assert.Contains(_lab.AUri.Split('?')[1], (string)g.Properties["ConnectionUri"].Value);
        Assert.Equal(("running", null), (_lab.State(_lab.AUri, Guest), _lab.State(_lab.BUri, Guest)));
        Assert.DoesNotContain(Guest, _lab.Virsh(_lab.BUri, "list", "--all", "--name")); // -UndefineSource
        // ... of a persistent guest keeps it persistent here without -Persistent: its only definition is never dropped.
        Assert.Contains("yes", _lab.Virsh(_lab.AUri, "dominfo", Guest).Split('\n').Single(l => l.StartsWith("Persistent")));

        var after = Lab.WaitForTicks(console, Lab.Ticks(console).Count + 2, TimeSpan.FromSeconds(30));
        Assert.True(after > before + 3);
        AssertCounterContinuous(console);
    }

    [LabFact]
    public void Progress_is_written_while_a_throttled_move_runs()
    {
        OnA();
        var r = Move(_lab.BUri, "-Bandwidth 16");
        Assert.True(r.Errors.Count == 0, r.ErrorText);
        Assert.Equal("running", _lab.State(_lab.BUri, Guest));
        var running = r.Progress.Where(p => p.RecordType == ProgressRecordType.Processing && p.StatusDescription.Contains("MiB sent")).ToList();
        Assert.NotEmpty(running);
        Assert.Contains(running, p => p.PercentComplete is >= 0 and <= 100);
        Assert.Contains("16.0 MiB/s", string.Join("\n", running.Select(p => p.StatusDescription)));
        Assert.Contains(r.Progress, p => p.RecordType == ProgressRecordType.Completed);
        Assert.Equal(16L, P(r.Output[0], "BandwidthMiBps"));
        AssertCounterContinuous(s_console!);
    }

    [LabFact]
    public void Stopping_the_pipeline_aborts_and_leaves_the_guest_on_the_source()
    {
        var console = OnA();
        using var ps = PowerShell.Create();
        ps.Runspace = _lab.Runspace;
        ps.AddCommand("Move-VMGuest").AddParameter("Name", Guest).AddParameter("DestinationUri", _lab.BUri)
            .AddParameter("ConnectionUri", _lab.AUri).AddParameter("MigrationUri", $"unix://{_lab.MigDir}/abort.sock")
            .AddParameter("Bandwidth", 1L);
        var progressSeen = new ManualResetEventSlim();
        ps.Streams.Progress.DataAdded += (_, _) => progressSeen.Set();
        var sw = Stopwatch.StartNew();
        var async = ps.BeginInvoke();
        Assert.True(progressSeen.Wait(TimeSpan.FromSeconds(60)), "no progress record within 60 s");
        Assert.Equal("running", _lab.State(_lab.AUri, Guest)); // still migrating
        ps.Stop(); // what Ctrl+C does: StopProcessing on another thread
        Assert.Throws<PipelineStoppedException>(() => ps.EndInvoke(async));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(60), $"abort took {sw.Elapsed}");

        Assert.Equal("running", _lab.State(_lab.AUri, Guest));
        Assert.Null(_lab.State(_lab.BUri, Guest));
        var n = Lab.Ticks(console).Count;
        Lab.WaitForTicks(console, n + 2, TimeSpan.FromSeconds(30));
        AssertCounterContinuous(console);
    }

    [LabFact]
    public void Refusals_before_any_data_moves()
    {
        OnA();
        // the same host UUID on both ends: moving to the daemon the guest is on
        var same = _lab.Invoke("Move-VMGuest $name $a -ConnectionUri $a", new Dictionary<string, object?> { ["name"] = Guest, ["a"] = _lab.AUri });
        Assert.Equal("MigrationSameHostUuid,VirtTools.Commands.MoveVMGuestCommand", Assert.Single(same.Errors).FullyQualifiedErrorId);
        Assert.Contains(_lab.AUuid, same.Errors[0].Exception.Message);
        Assert.Contains("host_uuid", same.Errors[0].ErrorDetails.RecommendedAction);

        // ... and between two daemons, the second a clone of the first (A's host_uuid given to daemon C)
        var cUri = _lab.AddDaemon("c", _lab.AUuid);
        try
        {
            var clone = _lab.Invoke("Move-VMGuest $name $c -ConnectionUri $a -MigrationUri $mig",
                new Dictionary<string, object?> { ["name"] = Guest, ["a"] = _lab.AUri, ["c"] = cUri, ["mig"] = $"unix://{_lab.MigDir}/clone.sock" });
            var c = Assert.Single(clone.Errors);
            Assert.Equal("MigrationSameHostUuid,VirtTools.Commands.MoveVMGuestCommand", c.FullyQualifiedErrorId);
            Assert.Contains(cUri, c.Exception.Message);
            Assert.Contains(_lab.AUuid, c.Exception.Message);
            // refused before any data moved: C never saw the guest, no migration socket was made
            Assert.Equal("", _lab.Virsh(cUri, "list", "--all", "--name"));
            Assert.False(File.Exists(Path.Combine(_lab.MigDir, "clone.sock")));
            Assert.Equal("running", _lab.State(_lab.AUri, Guest));
        }
        finally { _lab.StopDaemon("c"); }

        // a destination that cannot be reached: libvirt's own message
        var gone = _lab.Invoke("Move-VMGuest $name 'qemu+unix:///system?socket=/nonexistent/sock' -ConnectionUri $a",
            new Dictionary<string, object?> { ["name"] = Guest, ["a"] = _lab.AUri });
        var e = Assert.Single(gone.Errors);
        Assert.Equal("MigrationDestinationUnreachable,VirtTools.Commands.MoveVMGuestCommand", e.FullyQualifiedErrorId);
        Assert.Contains("/nonexistent/sock", e.Exception.Message);
        Assert.Equal(ErrorCategory.ConnectionError, e.CategoryInfo.Category);

        // a guest of that name already defined at the destination
        var xml = Path.Combine(_lab.Dir, "taken.xml");
        File.WriteAllText(xml, _lab.Virsh(_lab.AUri, "dumpxml", "--inactive", Guest));
        _lab.Virsh(_lab.BUri, "define", xml);
        try
        {
            var taken = Move(_lab.BUri);
            Assert.Equal("MigrationNameTaken,VirtTools.Commands.MoveVMGuestCommand", Assert.Single(taken.Errors).FullyQualifiedErrorId);
        }
        finally { _lab.Virsh(_lab.BUri, "undefine", Guest); }

        // -WhatIf moves nothing
        var whatIf = Move(_lab.BUri, "-WhatIf");
        Assert.Empty(whatIf.Errors);
        Assert.Empty(whatIf.Output);
        Assert.Equal(("running", null), (_lab.State(_lab.AUri, Guest), _lab.State(_lab.BUri, Guest)));
    }

    [LabFact]
    public void Offline_moves_a_stopped_guests_definition()
    {
        var xml = Path.Combine(_lab.Dir, "vtoff.xml");
        var (_, domain, _) = Lab.Run("bash", Path.Combine(Lab.RepoRoot, "tests/libvirt/lab.sh"), "guest-xml", _lab.Dir, "vtoff", "/dev/null");
        File.WriteAllText(xml, domain);
        _lab.Virsh(_lab.AUri, "define", xml);
        try
        {
            var r = _lab.Invoke("Move-VMGuest vtoff $b -ConnectionUri $a -Offline -UndefineSource",
                new Dictionary<string, object?> { ["a"] = _lab.AUri, ["b"] = _lab.BUri });
            Assert.True(r.Errors.Count == 0, r.ErrorText);
            Assert.Equal("Offline", P(Assert.Single(r.Output), "Mode"));
            Assert.Equal("shut off", _lab.State(_lab.BUri, "vtoff"));
            Assert.Null(_lab.State(_lab.AUri, "vtoff"));
        }
        finally
        {
            Lab.Run("virsh", "-c", _lab.AUri, "undefine", "vtoff");
            Lab.Run("virsh", "-c", _lab.BUri, "undefine", "vtoff");
        }
    }

    /// <summary>
    /// What a real daemon shows of a PCI host device guest here: it cannot run (no host IOMMU), so it
    /// cannot be moved live, and its definition moves offline with the hostdev in it. The refusal of a
    /// running one is the test-driver test below.
    /// </summary>
    [LabFact]
    public void A_hostdev_guest_cannot_run_here_and_moves_offline()
    {
        // an address no machine has: managed='yes' must never detach one of this host's devices
        const string hostdev = "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0' bus='0x7f' slot='0x1f' function='0x7'/></source></hostdev>";
        var xml = Path.Combine(_lab.Dir, "vthd.xml");
        var (_, domain, _) = Lab.Run("bash", Path.Combine(Lab.RepoRoot, "tests/libvirt/lab.sh"), "guest-xml", _lab.Dir, "vthd", "/dev/null");
        File.WriteAllText(xml, domain.Replace("<memballoon", hostdev + "<memballoon"));
        _lab.Virsh(_lab.AUri, "define", xml);
        try
        {
            var start = Lab.Run("virsh", "-c", _lab.AUri, "start", "vthd");
            Assert.NotEqual(0, start.Rc);
            Assert.Contains("host doesn't support passthrough of host PCI devices", start.Err);

            var live = _lab.Invoke("Move-VMGuest vthd $b -ConnectionUri $a", new Dictionary<string, object?> { ["a"] = _lab.AUri, ["b"] = _lab.BUri });
            Assert.Equal("MigrationGuestNotRunning,VirtTools.Commands.MoveVMGuestCommand", Assert.Single(live.Errors).FullyQualifiedErrorId);

            var off = _lab.Invoke("Move-VMGuest vthd $b -ConnectionUri $a -Offline -UndefineSource -PassThru",
                new Dictionary<string, object?> { ["a"] = _lab.AUri, ["b"] = _lab.BUri });
            Assert.True(off.Errors.Count == 0, off.ErrorText);
            Assert.Equal(new[] { "0000:7f:1f.7" }, (string[])Assert.Single(off.Output).Properties["HostDevices"].Value);
            Assert.Equal(("shut off", null), (_lab.State(_lab.BUri, "vthd"), _lab.State(_lab.AUri, "vthd")));
        }
        finally
        {
            Lab.Run("virsh", "-c", _lab.AUri, "undefine", "vthd");
            Lab.Run("virsh", "-c", _lab.BUri, "undefine", "vthd");
        }
    }

    /// <summary>
    /// The definition-based refusals (PCI host devices, snapshots, local disks) with a test-driver guest
    /// as the source (this machine cannot run a guest with a host device) and daemon B as the destination.
    /// </summary>
    [LabFact]
    public void Refusals_for_hostdevs_snapshots_and_local_disks()
    {
        const string disk = "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/t.qcow2'/><target dev='vda'/></disk>";
        const string hostdev = "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0' bus='3' slot='0' function='1'/></source></hostdev>";
        var script = """
            $c = [VirtTools.Libvirt.LibvirtConnector]::Open('test:///default')
            foreach ($g in @(@('t-hostdev', $hostdev), @('t-disk', $disk), @('t-snap', ''))) {
                $d = $c.DefineDomain("<domain type='test'><name>$($g[0])</name><memory>131072</memory><os><type>hvm</type></os><devices>$($g[1])</devices></domain>", 0)
                $d.Start(0)
            }
            Checkpoint-VMGuest t-snap s1 -ConnectionUri test:///default -ErrorAction Stop
            't-hostdev', 't-disk', 't-snap' | ForEach-Object { Move-VMGuest $_ $dest -ConnectionUri test:///default }
            Move-VMGuest t-disk $dest -ConnectionUri test:///default -CopyStorage -WhatIf
            $c.Dispose()
            """;
        var r = _lab.Invoke(script, new Dictionary<string, object?> { ["dest"] = _lab.BUri, ["disk"] = disk, ["hostdev"] = hostdev });
        Assert.Equal(new[] { "MigrationWithHostDevice", "MigrationLocalDisks", "MigrationWithSnapshots" },
            r.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
        Assert.Contains("0000:03:00.1", r.Errors[0].Exception.Message);
        Assert.Contains("Remove-VMGuestHostDevice", r.Errors[0].ErrorDetails.RecommendedAction);
        Assert.Contains("-CopyStorage", r.Errors[1].ErrorDetails.RecommendedAction);
        Assert.Contains("Remove-VMGuestSnapshot", r.Errors[2].ErrorDetails.RecommendedAction);
    }
}
