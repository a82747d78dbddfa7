using System.Text.RegularExpressions;
using VirtTools.Host;
using VirtTools.Pci;
using VirtTools.Sriov;
using VirtTools.Testing;
using VirtTools.Vfio;
using W = VirtTools.Testing.SimulatedHosts.Workstation;

namespace VirtTools.Tests;

/// <summary>
/// The kernel refusing (issue 21 item 4): every sysfs write of Enable-VfioDevice, Disable-VfioDevice and
/// Set-SriovVfCount fails in turn with EIO, EBUSY, ENODEV, ENOSPC and EINVAL, once (a transient refusal: the
/// rollback's own writes go through) and for good (the path refuses every later write too, so the rollback
/// through it fails). Each case must end with the host as it was, or with an error that says ROLLBACK
/// INCOMPLETE, states the device's real state, and gives commands that, run once the kernel accepts them,
/// bring the host back to where it was.
/// </summary>
public class KernelRefusalTests
{
    public static readonly Errno[] Errnos = { Errno.EIO, Errno.EBUSY, Errno.ENODEV, Errno.ENOSPC, Errno.EINVAL };

    /// <summary>One operation on a fresh simulated host: how to build the starting state, and the change.</summary>
    public sealed record Scenario(string Name, Func<SimHost> Host, Action<SimHost> Change);

    private static VfioOptions VfioFast(bool group = false) => new()
    {
        PollInterval = TimeSpan.Zero, PollAttempts = 3, Sleep = _ => { }, LockTimeout = TimeSpan.FromSeconds(5), IncludeIommuGroup = group,
    };

    private static SriovOptions SriovFast() => new()
    {
        PollInterval = TimeSpan.Zero, VfWaitTimeout = TimeSpan.FromMilliseconds(50), Sleep = _ => { }, LockTimeout = TimeSpan.FromSeconds(5),
    };

    private static void Enable(SimHost h, string a, bool group = false)
    {
        var b = new VfioBinder(h.Kernel.Context, VfioFast(group));
        b.Execute(b.PlanEnable(PciAddress.Parse(a)));
    }

    private static void Disable(SimHost h, string a, bool group = false)
    {
        var b = new VfioBinder(h.Kernel.Context, VfioFast(group));
        b.Execute(b.PlanDisable(PciAddress.Parse(a)));
    }

    private static void SetCount(SimHost h, int n)
    {
        var c = new SriovConfigurator(h.Kernel.Context, SriovFast());
        c.Execute(c.PlanSetCount(PciAddress.Parse(W.SriovNic), n));
    }

    private static SimHost Sriov(int start)
    {
        var h = new SimHost(root => SimulatedHosts.CreateSriovWorkstation(root, vfioLoaded: true));
        if (start > 0) h.Kernel.Write($"/sys/bus/pci/devices/{W.SriovNic}/sriov_numvfs", start.ToString());
        return h;
    }

    private static SimHost VfioBound(string a, bool group = false)
    {
        var h = new SimHost(vfioLoaded: true);
        Enable(h, a, group);
        return h;
    }

    public static readonly Scenario[] Scenarios =
    {
        new("Enable-VfioDevice (NIC on e1000e)", () => new SimHost(vfioLoaded: true), h => Enable(h, W.FreeNic)),
        new("Enable-VfioDevice -IncludeIommuGroup (GPU and its audio)", () => new SimHost(vfioLoaded: true), h => Enable(h, W.Gpu, group: true)),
        new("Disable-VfioDevice (NIC back to e1000e)", () => VfioBound(W.FreeNic), h => Disable(h, W.FreeNic)),
        new("Disable-VfioDevice -IncludeIommuGroup (GPU and its audio)", () => VfioBound(W.Gpu, group: true), h => Disable(h, W.Gpu, group: true)),
        new("Set-SriovVfCount 0 -> 4", () => Sriov(0), h => SetCount(h, 4)),
        new("Set-SriovVfCount 4 -> 2", () => Sriov(4), h => SetCount(h, 2)),
        new("Set-SriovVfCount 4 -> 0", () => Sriov(4), h => SetCount(h, 0)),
    };

    /// <summary>How many sysfs writes each scenario makes when the kernel accepts them all.</summary>
    private static int WritesOf(Scenario s)
    {
        using var h = s.Host();
        h.Kernel.ClearLog();
        s.Change(h);
        return h.Kernel.Writes.Count;
    }

    public static TheoryData<int, int, Errno, bool> Cases()
    {
        var data = new TheoryData<int, int, Errno, bool>();
        for (var s = 0; s < Scenarios.Length; s++)
            for (var n = 1; n <= WritesOf(Scenarios[s]); n++)
                foreach (var e in Errnos)
                    foreach (var sticky in new[] { false, true })
                        data.Add(s, n, e, sticky);
        return data;
    }

    /// <summary>
    /// What these commands can change: the PCI devices and drivers, the IOMMU groups, /dev/vfio's group nodes and
    /// /etc. Not the lock files (they outlive a run by design) nor /dev/vfio/vfio, the container node the vfio
    /// module makes when it loads (the simulator makes it at the first bind).
    /// </summary>
    private static SortedDictionary<string, string> State(SimHost h)
    {
        var map = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Walk(string dir)
        {
            if (!Directory.Exists(dir)) return;
            foreach (var p in Directory.GetFileSystemEntries(dir))
            {
                var fi = new FileInfo(p);
                var rel = Path.GetRelativePath(h.Root, p);
                if (fi.LinkTarget is string l) map[rel] = "-> " + l;
                else if (Directory.Exists(p)) { map[rel] = "<dir>"; Walk(p); }
                else map[rel] = File.ReadAllText(p);
            }
        }
        foreach (var d in new[] { "sys/devices", "sys/bus/pci/drivers", "sys/kernel/iommu_groups", "dev/vfio", "etc" })
            Walk(Path.Combine(h.Root, d));
        map.Remove("dev/vfio/vfio");
        return map;
    }

    /// <summary>The state a run that nothing refused leaves: what "finishing the job" reaches.</summary>
    private static SortedDictionary<string, string> Done(Scenario s)
    {
        using var h = s.Host();
        s.Change(h);
        return State(h);
    }

    private static string Diff(SortedDictionary<string, string> before, SortedDictionary<string, string> after) =>
        string.Join("\n", before.Keys.Union(after.Keys).Where(k => !before.TryGetValue(k, out var b) || !after.TryGetValue(k, out var a) || a != b)
            .Take(12).Select(k => $"{k}: {(before.TryGetValue(k, out var b) ? b.Trim() : "(none)")} -> {(after.TryGetValue(k, out var a) ? a.Trim() : "(none)")}"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_refused_write_leaves_the_host_as_it_was_or_says_what_is_left_and_how_to_finish(int scenario, int write, Errno errno, bool sticky)
    {
        var s = Scenarios[scenario];
        using var h = s.Host();
        var before = State(h);
        h.Kernel.ClearLog();
        h.Kernel.FailWriteNumber(write, errno, sticky);
        var e = Assert.ThrowsAny<VirtToolsException>(() => s.Change(h));
        Assert.Contains(errno.ToString(), e.ToString());   // the refusal is named, here or in the inner exception
        h.Kernel.ClearFaults();
        var after = State(h);
        if (!e.Message.Contains("ROLLBACK INCOMPLETE", StringComparison.Ordinal))
        {
            Assert.True(before.SequenceEqual(after), $"{s.Name}, write {write} {errno}{(sticky ? " (for good)" : "")}: the host changed but the error says it is as before:\n{e.Message}\n{Diff(before, after)}");
            return;
        }
        // Only a refusal that lasts may leave something: a transient one is undone by the rollback.
        Assert.True(sticky, $"{s.Name}, write {write} {errno} once: rollback incomplete: {e.Message}");
        // Each function left behind has its own "by hand:" commands.
        var hands = Regex.Matches(e.Message, @"by hand: (.+?)\.(?:\s|$)");
        Assert.True(hands.Count > 0, $"no commands in: {e.Message}");
        foreach (Match hand in hands)
            foreach (Match cmd in Regex.Matches(hand.Groups[1].Value, @"echo ?([^\s;]*) > ([^\s;]+)"))
                h.Kernel.Write(cmd.Groups[2].Value, cmd.Groups[1].Value.Length == 0 ? "\n" : cmd.Groups[1].Value);
        // The commands either restore the host or finish the change (Disable's give the device its host driver).
        var fixedUp = State(h);
        Assert.True(before.SequenceEqual(fixedUp) || Done(s).SequenceEqual(fixedUp),
            $"{s.Name}, write {write} {errno}: the commands of '{e.Message}' neither restored the host nor finished the change:\n{Diff(before, fixedUp)}");
    }

    [Fact]
    public void The_table_covers_every_write_of_each_scenario_with_each_errno_once_and_for_good()
    {
        var writes = Scenarios.Select(WritesOf).ToArray();
        Assert.All(writes, n => Assert.True(n >= 1));
        Assert.Equal(writes.Sum() * Errnos.Length * 2, Cases().Count());
    }
}
