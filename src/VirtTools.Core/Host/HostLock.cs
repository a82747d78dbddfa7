namespace VirtTools.Host;

/// <summary>
/// Takes the lock file a change holds while it runs, and turns a lock that cannot be had into the
/// refusal every applier gives: busy when another VirtTools command holds it, denied otherwise.
/// </summary>
internal static class HostLock
{
    /// <param name="holder">What the other command would be changing ("the VFs of this device").</param>
    /// <param name="afterMessage">Appended to the message, e.g. " Nothing was changed.".</param>
    public static IDisposable Take(IHostFileSystem fs, string path, TimeSpan timeout, string errorId, string target, string holder, string afterMessage = "")
    {
        try { return fs.Lock(path, timeout); }
        catch (HostIOException e)
        {
            throw new VirtToolsException(errorId, e.Errno == Errno.EAGAIN ? FailureKind.ResourceBusy : FailureKind.PermissionDenied,
                $"Cannot take the lock {path}: {e.Message}{afterMessage}", target,
                $"Another VirtTools command is changing {holder}; wait for it and retry.", e);
        }
    }
}
