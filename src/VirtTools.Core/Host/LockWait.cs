namespace VirtTools.Host;

/// <summary>
/// What a command waiting for another command's lock can tell its user: what it waits to change, who holds
/// it ("pid N (command line)", as the holder wrote it in the lock file), and how long it has waited of how long
/// it will. The last report of a wait has <see cref="Ended"/> set (the lock taken, or the wait given up).
/// </summary>
public sealed record LockWait(string Target, string What, string? Holder, TimeSpan Waited, TimeSpan Timeout, bool Ended = false);
