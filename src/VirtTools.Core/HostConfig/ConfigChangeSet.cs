using System.Text;
using VirtTools.Host;

namespace VirtTools.HostConfig;

/// <summary>A configuration file change: content before (null: the file is new) and after (null: delete it).</summary>
public sealed record FileChange(string Path, string? Before, string? After)
{
    public string Diff => ConfigDiff.Unified(Path, Before, After ?? "");
}

/// <summary>A program the change runs (grub2-mkconfig, dracut), with the reason shown by -WhatIf.</summary>
public sealed record HostCommand(string Program, IReadOnlyList<string> Arguments, string Purpose)
{
    public override string ToString() =>
        string.Join(' ', new[] { Program }.Concat(Arguments.Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) ? $"'{a}'" : a)));
}

/// <summary>
/// Configuration files to write and the commands that make the boot use them, applied as one unit:
/// a backup of each file is kept next to it before VirtTools first changes it, each write is atomic,
/// and when a write or a command fails every file is put back as it was.
/// </summary>
public sealed class ConfigChangeSet
{
    public const string BackupSuffix = ".virttools-backup";

    public List<FileChange> Files { get; } = new();
    public List<HostCommand> Commands { get; } = new();
    public List<string> Notes { get; } = new();
    public List<string> Warnings { get; } = new();

    public bool HasChanges => Files.Count > 0 || Commands.Count > 0;

    public static string BackupPathOf(string path) => path + BackupSuffix;

    public static readonly string LockPath = HostLock.Directory + "/host-config.lock";

    /// <summary>How long a second writer waits for the first; a boot-loader regeneration takes seconds.</summary>
    public TimeSpan LockTimeout { get; init; } = DefaultLockTimeout;

    /// <summary>
    /// The lock of the host's boot configuration, for a command to hold from reading the files it plans from
    /// to the end of <see cref="Apply"/> (which takes it again, re-entering): planned under it, a change never
    /// meets files another command changed meanwhile.
    /// </summary>
    public static IDisposable HoldLock(IHostFileSystem fs, TimeSpan? timeout = null, Action<LockWait>? waiting = null) =>
        HostLock.Take(fs, LockPath, timeout ?? DefaultLockTimeout, fs.Root, "the host's boot configuration", " Nothing was written.", waiting);

    public static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Every diff and command, as -WhatIf and -Confirm show them.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        foreach (var f in Files)
        {
            if (f.Before is not null) sb.Append($"backup: {BackupPathOf(f.Path)} (unless it exists)\n");
            sb.Append(f.After is null ? $"delete {f.Path}\n" : f.Diff);
        }
        foreach (var c in Commands) sb.Append("run: ").Append(c).Append("   # ").Append(c.Purpose).Append('\n');
        return sb.ToString().TrimEnd('\n');
    }

    public void Apply(HostContext host)
    {
        var fs = host.Files;
        if (Commands.Count > 0 && !host.ProgramsSeeThisRoot)
            throw new VirtToolsException("RegenerationNotPossible", FailureKind.NotEnabled,
                $"The host root is {fs.Root}, not the live system: {string.Join("; ", Commands)} would act on the machine VirtTools runs on, not on that root. Nothing was written.",
                fs.Root, $"Unset {HostContext.RootVariable} and run the command on the host itself.");
        // One writer of the host's boot configuration at a time; and what was planned must still be
        // what is on disk, or this run would silently undo another command's change.
        using var held = HoldLock(fs, LockTimeout);
        foreach (var f in Files)
        {
            var now = fs.FileExists(f.Path) ? fs.ReadAllText(f.Path) : null;
            if (now != f.Before)
                throw new VirtToolsException("ConfigChangedMeanwhile", FailureKind.ResourceBusy,
                    $"{f.Path} changed after this command read it (another command or an editor wrote it). Nothing was written.", f.Path,
                    "Run the command again: it plans from the file as it is now.");
        }
        var written = new List<FileChange>();
        try
        {
            foreach (var f in Files)
            {
                if (f.Before is not null && !fs.Exists(BackupPathOf(f.Path)))
                    fs.WriteFileAtomic(BackupPathOf(f.Path), f.Before);
                written.Add(f);
                if (f.After is null) fs.Delete(f.Path);
                else fs.WriteFileAtomic(f.Path, f.After);
            }
        }
        catch (HostIOException e)
        {
            Restore(fs, written);
            throw new VirtToolsException("ConfigWriteFailed", e.Errno is Errno.EACCES or Errno.EPERM or Errno.EROFS ? FailureKind.PermissionDenied : FailureKind.WriteError,
                $"Writing {e.Path} failed: {e.Message}. Every file was put back as it was.", e.Path,
                e.Errno == Errno.EROFS ? "The file system is read-only; on a transactional host run the change where transactional-update is installed." : "Run as root.", e);
        }
        foreach (var c in Commands)
        {
            ProcessResult r;
            FaultInjection.Step($"run {c}");
            try { r = host.Processes.Run(c.Program, c.Arguments, TimeSpan.FromMinutes(10)); }
            catch (HostIOException e)
            {
                Restore(fs, written);
                throw new VirtToolsException("RegenerationFailed", e.Errno == Errno.ENOENT ? FailureKind.NotInstalled : FailureKind.InvalidOperation,
                    $"{c} could not run: {e.Message}. Every file was put back as it was.", c.ToString(),
                    $"Install {c.Program} or run the regeneration yourself after fixing it.", e);
            }
            if (r.ExitCode != 0)
            {
                Restore(fs, written);
                var output = (r.StandardError.Trim() + "\n" + r.StandardOutput.Trim()).Trim();
                throw new VirtToolsException("RegenerationFailed", FailureKind.InvalidOperation,
                    $"{c} failed (exit {r.ExitCode}); every file was put back as it was. Its output:\n{output}", c.ToString(),
                    $"Fix what {c.Program} reports, then run the command again.");
            }
        }
    }

    private static void Restore(IHostFileSystem fs, List<FileChange> written)
    {
        foreach (var f in Enumerable.Reverse(written))
        {
            try
            {
                if (f.Before is null) fs.Delete(f.Path);
                else fs.WriteFileAtomic(f.Path, f.Before);
            }
            catch (HostIOException) { /* the first error is the one to report; the backup file remains */ }
        }
    }
}
