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

    /// <param name="holder">What the other command would be changing ("the VFs of this device").</param>
    /// <param name="afterMessage">Appended to the message, e.g. " Nothing was changed.".</param>
    public static IDisposable Take(IHostFileSystem fs, string path, TimeSpan timeout, string target, string holder, string afterMessage = "")
    {
        try { return fs.Lock(path, timeout); }
        catch (HostIOException e)
        {
            throw new VirtToolsException(e.Errno == Errno.EAGAIN ? LockedId : "LockDenied", e.Errno == Errno.EAGAIN ? FailureKind.ResourceBusy : FailureKind.PermissionDenied,
                $"Cannot take the lock {path}: {e.Message}{afterMessage}", target,
                e.Errno == Errno.EAGAIN ? $"Another VirtTools command is changing {holder}; wait for it to finish and run this one again." : "Run as root.", e);
        }
    }
}
