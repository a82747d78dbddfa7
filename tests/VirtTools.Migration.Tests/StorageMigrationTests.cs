namespace VirtTools.Migration.Tests;

/// <summary>
/// Guests with a local qcow2 disk between the two daemons. Each daemon sees its own files at
/// /var/lib/libvirt/images (its pool 'default'), so a disk path means two different images, as on two
/// hosts: Move-VMGuest -CopyStorage must copy the data (libvirt's NBD drive-mirror) into the
/// destination's image, which libvirt creates in that pool.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class StorageMigrationTests
{
    private readonly Lab _lab;
    public StorageMigrationTests(Lab lab) => _lab = lab;

    private static void AssertCounterContinuous(string console)
    {
        var ticks = Lab.Ticks(console);
        Assert.Single(ticks.Select(t => t.Boot).Distinct());
        for (int i = 1; i < ticks.Count; i++)
            Assert.True(ticks[i].Tick == ticks[i - 1].Tick + 1, $"tick {ticks[i - 1].Tick} followed by {ticks[i].Tick}");
    }

    /// <summary>A qcow2 image of <paramref name="virtualMiB"/> whose first 8 MiB are random (the pattern file is returned).</summary>
    private string MakeImage(string path, int virtualMiB)
    {
        var pattern = path + ".pattern";
        var bytes = new byte[8 << 20];
        Random.Shared.NextBytes(bytes);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(pattern, bytes);
        Assert.Equal(0, Lab.Run("qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", pattern, path).Rc);
        Assert.Equal(0, Lab.Run("qemu-img", "resize", "-q", path, $"{virtualMiB}M").Rc);
        return pattern;
    }

    private Lab.Result Move(string guest, string from, string to, string extra) =>
        _lab.Invoke($"Move-VMGuest $g $to -ConnectionUri $from -MigrationUri $mig {extra}", new Dictionary<string, object?>
        {
            ["g"] = guest, ["from"] = from, ["to"] = to, ["mig"] = $"unix://{_lab.MigDir}/{Guid.NewGuid():N}.sock",
        });

    private static string Id(Lab.Result r) => string.Join(" ", r.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));

    [LabFact]
    public void CopyStorage_copies_a_local_qcow2_disk_live_and_the_data_arrives()
    {
        const string guest = "vtcs";
        const string disk = "/var/lib/libvirt/images/vtcs.qcow2"; // as both daemons see it
        string onA = Path.Combine(_lab.APool, "vtcs.qcow2"), onB = Path.Combine(_lab.BPool, "vtcs.qcow2");
        var pattern = MakeImage(onA, 24);
        _lab.Virsh(_lab.AUri, "pool-refresh", "default");
        var console = _lab.StartCounterGuest(_lab.AUri, guest, disk, persistent: true);
        try
        {
            // Without -CopyStorage: refused, nothing at B.
            var refused = Move(guest, _lab.AUri, _lab.BUri, "");
            Assert.Equal("MigrationLocalDisks", Id(refused));
            Assert.Contains(disk, refused.Errors[0].Exception.Message);
            Assert.Contains("-CopyStorage", refused.Errors[0].ErrorDetails.RecommendedAction);
            Assert.Null(_lab.State(_lab.BUri, guest));
            Assert.False(File.Exists(onB));

            // With it: B has no image yet, its pool 'default' holds the directory, so libvirt creates it there.
            var moved = _lab.Invoke("Move-VMGuest $g $to -ConnectionUri $from -MigrationUri $mig -CopyStorage -UndefineSource -Verbose 4>&1",
                new Dictionary<string, object?> { ["g"] = guest, ["from"] = _lab.AUri, ["to"] = _lab.BUri, ["mig"] = $"unix://{_lab.MigDir}/cs.sock" });
            Assert.True(moved.Errors.Count == 0, moved.ErrorText);
            var verbose = string.Join("\n", moved.Output.Select(o => o.ToString()));
            Assert.Contains("libvirt creates it in the destination's pool 'default'", verbose);
            var m = moved.Output.Single(o => o.TypeNames[0] == "VirtTools.VMGuestMigration");
            Assert.True((long)m.Properties["DataTransferredBytes"].Value! > 0);
            Assert.Equal(("running", null), (_lab.State(_lab.BUri, guest), _lab.State(_lab.AUri, guest)));
            Assert.Contains("yes", _lab.Virsh(_lab.BUri, "dominfo", guest).Split('\n').Single(l => l.StartsWith("Persistent")));
            Assert.True(File.Exists(onB));
            Lab.WaitForTicks(console, Lab.Ticks(console).Count + 2, TimeSpan.FromSeconds(30));
            AssertCounterContinuous(console);

            // A real qcow2 snapshot on B: moving back is refused before libvirt is asked.
            var snap = _lab.Invoke("Checkpoint-VMGuest $g s1 -ConnectionUri $u", new Dictionary<string, object?> { ["g"] = guest, ["u"] = _lab.BUri });
            Assert.True(snap.Errors.Count == 0, snap.ErrorText);
            var back = Move(guest, _lab.BUri, _lab.AUri, "-CopyStorage");
            Assert.Equal("MigrationWithSnapshots", Id(back));
            Assert.Contains("Remove-VMGuestSnapshot", back.Errors[0].ErrorDetails.RecommendedAction);
            Assert.Null(_lab.State(_lab.AUri, guest));
            Assert.Equal("running", _lab.State(_lab.BUri, guest));

            // The data: B's image (the guest stopped) holds what A's held, the random first 8 MiB included.
            _lab.Virsh(_lab.BUri, "destroy", guest);
            var same = Lab.Run("qemu-img", "compare", "-q", onA, onB);
            Assert.True(same.Rc == 0, $"qemu-img compare A B: {same.Rc} {same.Out}{same.Err}");
            var data = Lab.Run("qemu-img", "compare", "-q", "-f", "raw", "-F", "qcow2", pattern, onB);
            Assert.True(data.Rc == 0, $"qemu-img compare pattern B: {data.Rc} {data.Out}{data.Err}");
            Assert.Contains("virtual size: 24 MiB", Lab.Run("qemu-img", "info", "-U", onB).Out);
        }
        finally
        {
            foreach (var u in new[] { _lab.AUri, _lab.BUri })
            {
                Lab.Run("virsh", "-c", u, "destroy", guest);
                Lab.Run("virsh", "-c", u, "undefine", guest, "--snapshots-metadata");
            }
            File.Delete(onA); File.Delete(onB); File.Delete(pattern);
        }
    }

    [LabFact]
    public void CopyStorage_without_an_image_or_a_pool_at_the_destination_says_what_to_create()
    {
        const string guest = "vtnp";
        const string disk = "/var/lib/libvirt/nopool/vtnp.qcow2"; // no pool holds this directory on B
        var onA = Path.Combine(_lab.APool, "../nopool/vtnp.qcow2");
        var pattern = MakeImage(onA, 16);
        var console = _lab.StartCounterGuest(_lab.AUri, guest, disk);
        try
        {
            var r = Move(guest, _lab.AUri, _lab.BUri, "-CopyStorage");
            var e = Assert.Single(r.Errors);
            Assert.Equal("MigrationDestinationDiskMissing,VirtTools.Commands.MoveVMGuestCommand", e.FullyQualifiedErrorId);
            Assert.Equal(System.Management.Automation.ErrorCategory.ObjectNotFound, e.CategoryInfo.Category);
            Assert.Contains(disk, e.Exception.Message);
            Assert.Contains("qemu-img create -f qcow2", e.ErrorDetails.RecommendedAction);
            Assert.Contains("pool-define-as images dir --target /var/lib/libvirt/nopool", e.ErrorDetails.RecommendedAction);
            // nothing moved: the guest runs on A, untouched; B has neither the guest nor a file
            Assert.Equal(("running", null), (_lab.State(_lab.AUri, guest), _lab.State(_lab.BUri, guest)));
            Assert.False(Directory.Exists(Path.Combine(_lab.BPool, "../nopool")));
            Lab.WaitForTicks(console, Lab.Ticks(console).Count + 2, TimeSpan.FromSeconds(30));
            AssertCounterContinuous(console);

            // What the message says works: the image made at the destination, the move goes through.
            Directory.CreateDirectory(Path.Combine(_lab.BPool, "../nopool"));
            var onB = Path.Combine(_lab.BPool, "../nopool/vtnp.qcow2");
            Assert.Equal(0, Lab.Run("qemu-img", "create", "-q", "-f", "qcow2", onB, "16M").Rc);
            var ok = Move(guest, _lab.AUri, _lab.BUri, "-CopyStorage");
            Assert.True(ok.Errors.Count == 0, ok.ErrorText);
            Assert.Equal("running", _lab.State(_lab.BUri, guest));
            _lab.Virsh(_lab.BUri, "destroy", guest);
            Assert.Equal(0, Lab.Run("qemu-img", "compare", "-q", "-f", "raw", "-F", "qcow2", pattern, onB).Rc);
        }
        finally
        {
            foreach (var u in new[] { _lab.AUri, _lab.BUri }) Lab.Run("virsh", "-c", u, "destroy", guest);
            File.Delete(onA); File.Delete(pattern);
        }
    }
}
