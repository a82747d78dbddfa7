using System.Management.Automation;

namespace VirtTools.Migration.Tests;

/// <summary>
/// Move-VMGuest -IncludeSnapshots between the two daemons. The image lives in the lab's directory, which
/// both daemons see at the same path (shared storage, as NFS would be), so its internal snapshots are
/// where the destination's QEMU finds them; what moves is libvirt's metadata.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class SnapshotMigrationTests
{
    private readonly Lab _lab;
    public SnapshotMigrationTests(Lab lab) => _lab = lab;

    private static object? P(PSObject o, string name) => o.Properties[name]?.Value;

    [LabFact]
    public void Offline_move_takes_every_snapshot_along_with_the_current_one_and_a_revert_there_resumes_it()
    {
        const string guest = "vtsnapmv";
        var image = Path.Combine(_lab.Dir, guest + ".qcow2");
        Assert.Equal(0, Lab.Run("qemu-img", "create", "-q", "-f", "qcow2", image, "16M").Rc);
        File.SetUnixFileMode(image, (UnixFileMode)0b110_110_110);
        var console = _lab.StartCounterGuest(_lab.AUri, guest, image, persistent: true);
        var vars = new Dictionary<string, object?> { ["g"] = guest, ["a"] = _lab.AUri, ["b"] = _lab.BUri };
        try
        {
            var s1 = _lab.Invoke("Checkpoint-VMGuest $g s1 -ConnectionUri $a", vars);
            Assert.True(s1.Errors.Count == 0, s1.ErrorText);
            Lab.WaitForTicks(console, Lab.Ticks(console).Count + 3, TimeSpan.FromSeconds(30));
            var s2 = _lab.Invoke("Checkpoint-VMGuest $g s2 -ConnectionUri $a", vars);
            Assert.True(s2.Errors.Count == 0, s2.ErrorText);
            var tickAtS2 = Lab.Ticks(console)[^1].Tick;
            // s1 current, s2 its child: the current one is not the last one defined.
            var back = _lab.Invoke("Restore-VMGuestSnapshot $g s1 -ConnectionUri $a -Confirm:$false", vars);
            Assert.True(back.Errors.Count == 0, back.ErrorText);

            // Live with -CopyStorage the snapshots would stay behind in this image: refused, nothing changed.
            var copy = _lab.Invoke("Move-VMGuest $g $b -ConnectionUri $a -CopyStorage -IncludeSnapshots", vars);
            Assert.Equal("MigrationSnapshotsNotCopied,VirtTools.Commands.MoveVMGuestCommand", Assert.Single(copy.Errors).FullyQualifiedErrorId);
            Assert.Contains("-Offline -IncludeSnapshots", copy.Errors[0].ErrorDetails.RecommendedAction);
            Assert.Equal(2, _lab.Invoke("Get-VMGuestSnapshot $g -ConnectionUri $a", vars).Output.Count);

            _lab.Virsh(_lab.AUri, "destroy", guest);
            var moved = _lab.Invoke("Move-VMGuest $g $b -ConnectionUri $a -Offline -IncludeSnapshots -UndefineSource -PassThru", vars);
            Assert.True(moved.Errors.Count == 0, moved.ErrorText + "\n" + _lab.WhereIs(guest));
            Assert.Equal(guest, P(Assert.Single(moved.Output), "Name"));
            Assert.Null(_lab.State(_lab.AUri, guest));
            Assert.Equal("shut off", _lab.State(_lab.BUri, guest));

            Assert.Equal(new[] { "s1", "s2" }, SnapshotTests.QemuImgSnapshots(image));
            var there = _lab.Invoke("Get-VMGuestSnapshot $g -ConnectionUri $b", vars);
            Assert.True(there.Errors.Count == 0, there.ErrorText);
            Assert.Equal(new (string, string?, bool, bool)[] { ("s1", null, true, true), ("s2", "s1", false, true) },
                there.Output.Select(s => ((string)P(s, "Name")!, (string?)P(s, "Parent"), (bool)P(s, "IsCurrent")!, (bool)P(s, "HasMemory")!)));
            Assert.Equal(new[] { "s1", "s2" }, _lab.Virsh(_lab.BUri, "snapshot-list", guest, "--name").Split('\n', StringSplitOptions.RemoveEmptyEntries));

            // The revert at B starts the guest from s2's memory: the counter goes on from where s2 was taken, same boot.
            var n = Lab.Ticks(console).Count;
            var revert = _lab.Invoke("Restore-VMGuestSnapshot $g s2 -ConnectionUri $b -Confirm:$false -PassThru", vars);
            Assert.True(revert.Errors.Count == 0, revert.ErrorText + "\n" + _lab.WhereIs(guest));
            Assert.True((bool)P(Assert.Single(revert.Output), "IsCurrent")!);
            Assert.Equal("running", _lab.State(_lab.BUri, guest));
            Lab.WaitForTicks(console, n + 1, TimeSpan.FromSeconds(60));
            Assert.InRange(Lab.Ticks(console)[n].Tick, tickAtS2 - 1, tickAtS2 + 2);
            Assert.Single(Lab.Ticks(console).Select(t => t.Boot).Distinct());
        }
        finally
        {
            foreach (var u in new[] { _lab.AUri, _lab.BUri })
            {
                Lab.Run("virsh", "-c", u, "destroy", guest);
                Lab.Run("virsh", "-c", u, "undefine", guest, "--snapshots-metadata");
            }
            File.Delete(image);
        }
    }
}
