namespace VirtTools.Host;

/// <summary>
/// Takes the lock file a change holds while it runs (one per target: a PCI function, an IOMMU group,
/// an SR-IOV PF, the boot configuration), and turns a lock that cannot be had into the refusal every
/// applier gives: TargetLocked naming the holder's pid and command, or denied.
/// </summary>
internal static class HostLock
{
    public const string LockedId = "TargetLocked";

    /// <summary>Where the lock files live: tmpfs, so a reboot clears them; flock, so a dead holder frees them.</summary>
    public const string Directory = "/run/virttools";

    // A command holds its target's lock from planning to the end, and the applier under it takes the same
    // lock again: flock would refuse that second open in the same process, so a thread's own holds are counted.
    // Only the same thread re-enters: another runspace of this process waits like any other process.
    [ThreadStatic] private static Dictionary<string, Held>? _held;

    private sealed class Held(IDisposable lockFile)
    {
        public IDisposable LockFile { get; } = lockFile;
        public int Count { get; set; } = 1;
    }

    /// <param name="holder">What the other command would be changing ("the VFs of this device").</param>
    /// <param name="afterMessage">Appended to the message, e.g. " Nothing was changed.".</param>
    /// <param name="waiting">Told while another process holds the lock (see <see cref="LockWait"/>).</param>
    public static IDisposable Take(IHostFileSystem fs, string path, TimeSpan timeout, string target, string holder, string afterMessage = "", Action<LockWait>? waiting = null)
    {
        var key = fs.Root + "\0" + path;
        var held = _held ??= new Dictionary<string, Held>(StringComparer.Ordinal);
        if (held.TryGetValue(key, out var mine))
        {
            mine.Count++;
            return new Release(held, key);
        }
        Action<string?, TimeSpan, bool>? report = waiting is null ? null : (who, waited, ended) => waiting(new LockWait(target, holder, who, waited, timeout, ended));
        try { held[key] = new Held(report is null ? fs.Lock(path, timeout) : fs.Lock(path, timeout, report)); }
        catch (HostIOException e)
        {
            throw new VirtToolsException(e.Errno == Errno.EAGAIN ? LockedId : "LockDenied", e.Errno == Errno.EAGAIN ? FailureKind.ResourceBusy : FailureKind.PermissionDenied,
                $"Cannot take the lock {path}: {e.Message}{afterMessage}", target,
                e.Errno == Errno.EAGAIN ? $"Another VirtTools command is changing {holder}; wait for it to finish and run this one again." : "Run as root.", e);
        }
        return new Release(held, key);
    }

    private sealed class Release(Dictionary<string, Held> held, string key) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            var h = held[key];
            if (--h.Count > 0) return;
            held.Remove(key);
            h.LockFile.Dispose();
        }
    }
}
