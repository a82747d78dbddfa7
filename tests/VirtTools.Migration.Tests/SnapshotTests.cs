using System.Management.Automation;

namespace VirtTools.Migration.Tests;

/// <summary>Snapshots on a real QEMU daemon: a running counter guest with a qcow2 disk, memory included.</summary>
[Collection(LabCollection.Name)]
public sealed class SnapshotTests
{
    private readonly Lab _lab;
    public SnapshotTests(Lab lab) => _lab = lab;

    private static object? P(PSObject o, string name) => o.Properties[name]?.Value;

    internal static string[] QemuImgSnapshots(string image) =>
        Lab.Run("qemu-img", "snapshot", "-l", "-U", image).Out.Split('\n').Skip(2)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length > 1).Select(f => f[1]).ToArray();

    [LabFact]
    public void Create_list_revert_remove_and_Remove_VMGuest_on_qcow2()
    {
        const string guest = "vtsnap";
        var image = Path.Combine(_lab.Dir, guest + ".qcow2");
        Assert.Equal(0, Lab.Run("qemu-img", "create", "-q", "-f", "qcow2", image, "16M").Rc);
        File.SetUnixFileMode(image, (UnixFileMode)0b110_110_110); // QEMU runs as libvirt-qemu
        var console = _lab.StartCounterGuest(_lab.AUri, guest, image, persistent: true);
        var vars = new Dictionary<string, object?> { ["g"] = guest, ["u"] = _lab.AUri };
        try
        {
            var first = _lab.Invoke("Checkpoint-VMGuest $g first -Description 'before the change' -ConnectionUri $u -PassThru", vars);
            Assert.True(first.Errors.Count == 0, first.ErrorText);
            var s1 = Assert.Single(first.Output);
            Assert.Equal(("first", "before the change", "running", true, true), ((string)P(s1, "Name")!, (string?)P(s1, "Description"), (string)P(s1, "State")!, (bool)P(s1, "HasMemory")!, (bool)P(s1, "IsCurrent")!));
            var tickAtFirst = Lab.Ticks(console)[^1].Tick;

            Lab.WaitForTicks(console, Lab.Ticks(console).Count + 3, TimeSpan.FromSeconds(30));
            var second = _lab.Invoke("[pscustomobject]@{ Name = $g; ConnectionUri = $u } | Checkpoint-VMGuest -SnapshotName second", vars);
            Assert.True(second.Errors.Count == 0, second.ErrorText);
            Assert.Equal(new[] { "first", "second" }, QemuImgSnapshots(image));

            var list = _lab.Invoke("Get-VMGuestSnapshot -Name $g -ConnectionUri $u", vars).Output;
            Assert.Equal(new[] { "first", "second" }, list.Select(s => (string)P(s, "Name")!));
            Assert.Equal("first", P(list[1], "Parent"));
            Assert.Equal(new[] { false, true }, list.Select(s => (bool)P(s, "IsCurrent")!));

            var maxBefore = Lab.Ticks(console)[^1].Tick;
            var restore = _lab.Invoke("Restore-VMGuestSnapshot $g first -ConnectionUri $u -Confirm:$false -PassThru", vars);
            Assert.True(restore.Errors.Count == 0, restore.ErrorText);
            Assert.True((bool)P(Assert.Single(restore.Output), "IsCurrent")!);
            Assert.Equal("running", _lab.State(_lab.AUri, guest));
            // The guest resumes from the snapshot's memory: the counter goes back, and the boot id stays.
            var n = Lab.Ticks(console).Count;
            Lab.WaitForTicks(console, n + 1, TimeSpan.FromSeconds(30));
            var resumed = Lab.Ticks(console)[n];
            Assert.InRange(resumed.Tick, tickAtFirst, tickAtFirst + 2);
            Assert.True(resumed.Tick < maxBefore, $"counter at {resumed.Tick} after the revert, {maxBefore} before");
            Assert.Single(Lab.Ticks(console).Select(t => t.Boot).Distinct());

            // Without -IncludeChildren only that snapshot goes; then Remove-VMGuest takes the rest with the guest.
            var third = _lab.Invoke("Checkpoint-VMGuest $g third -ConnectionUri $u -PassThru", vars);
            Assert.Equal("first", P(Assert.Single(third.Output), "Parent"));
            var remove = _lab.Invoke("Get-VMGuestSnapshot $g second -ConnectionUri $u | Remove-VMGuestSnapshot -Confirm:$false -PassThru", vars);
            Assert.True(remove.Errors.Count == 0, remove.ErrorText);
            Assert.Equal("second", P(Assert.Single(remove.Output), "Name"));
            Assert.Equal(new[] { "first", "third" }, QemuImgSnapshots(image));

            var gone = _lab.Invoke("Remove-VMGuest $g -ConnectionUri $u -Force -Confirm:$false", vars);
            Assert.True(gone.Errors.Count == 0, gone.ErrorText);
            Assert.Null(_lab.State(_lab.AUri, guest));
            Assert.DoesNotContain(guest, _lab.Virsh(_lab.AUri, "list", "--all", "--name"));
        }
        finally
        {
            Lab.Run("virsh", "-c", _lab.AUri, "destroy", guest);
            Lab.Run("virsh", "-c", _lab.AUri, "undefine", guest, "--snapshots-metadata");
        }
    }

    [LabFact]
    public void A_raw_disk_is_refused_before_libvirt_is_asked()
    {
        var xml = Path.Combine(_lab.Dir, "vtraw.xml");
        var (_, domain, _) = Lab.Run("bash", Path.Combine(Lab.RepoRoot, "tests/libvirt/lab.sh"), "guest-xml", _lab.Dir, "vtraw", "/dev/null", "128", "/var/tmp/vtraw.img");
        File.WriteAllText(xml, domain.Replace("type='qcow2'", "type='raw'"));
        _lab.Virsh(_lab.AUri, "define", xml);
        try
        {
            var r = _lab.Invoke("Checkpoint-VMGuest vtraw -ConnectionUri $u", new Dictionary<string, object?> { ["u"] = _lab.AUri });
            var e = Assert.Single(r.Errors);
            Assert.Equal("SnapshotDiskNotQcow2,VirtTools.Commands.CheckpointVMGuestCommand", e.FullyQualifiedErrorId);
            Assert.Contains("/var/tmp/vtraw.img", e.Exception.Message);
            Assert.Equal(ErrorCategory.InvalidOperation, e.CategoryInfo.Category);
        }
        finally { _lab.Virsh(_lab.AUri, "undefine", "vtraw"); }
    }
}
