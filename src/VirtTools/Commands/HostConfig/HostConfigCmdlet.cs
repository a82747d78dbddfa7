using System.Management.Automation;
using VirtTools.Host;
using VirtTools.HostConfig;

namespace VirtTools.Commands;

/// <summary>
/// What the host configuration cmdlets share: a change set shown whole by -WhatIf/-Confirm (every
/// diff and command), its notes and warnings, and the one way it is applied.
/// </summary>
public abstract class HostConfigCmdlet : VirtToolsCmdlet
{
    /// <summary>Shows, confirms and applies <paramref name="set"/>; false when nothing was applied.</summary>
    protected bool ApplyChanges(ConfigChangeSet set, string target, string action)
    {
        foreach (var w in set.Warnings) WriteWarning(w);
        if (!set.HasChanges)
        {
            foreach (var n in set.Notes) WriteVerbose(n);
            return false;
        }
        RefuseChangeOnBareRoot(target);
        // "Load vfio-pci at boot", not "Load vfio-pci at boot on vfio-pci": an action naming its target says it once.
        var what = action.Contains(target, StringComparison.Ordinal) ? action : $"{action} on {target}";
        var description = $"{what}:{Environment.NewLine}{set.Describe()}";
        if (!ShouldProcess(description, $"{what}? The files and commands are:{Environment.NewLine}{set.Describe()}", action))
            return false;
        WriteProgress(new ProgressRecord(1, action, string.Join("; ", set.Commands.Select(c => c.ToString())) is { Length: > 0 } cmds ? cmds : "writing files"));
        try { set.Apply(HostContext); }
        finally { WriteProgress(new ProgressRecord(1, action, "done") { RecordType = ProgressRecordType.Completed }); }
        foreach (var n in set.Notes) WriteVerbose(n);
        return true;
    }

    /// <summary>
    /// Holds the boot configuration's lock from planning to the end of the change, so that a second command
    /// waits and then plans from what the first one wrote. Null when nothing will be written: under -WhatIf,
    /// or on a root that holds no host.
    /// </summary>
    protected IDisposable? HoldBootConfiguration()
    {
        var files = HostContext.Files;
        if (WhatIfRequested() || RootIsBare || !files.DirectoryExists("/")) return null;
        return ConfigChangeSet.HoldLock(files, waiting: ReportLockWait);
    }

    /// <summary>Runs <paramref name="body"/>, turning VirtTools and I/O failures into terminating ErrorRecords.</summary>
    protected void Terminating(Action body, object? target = null)
    {
        try { body(); }
        catch (VirtToolsException e) { ThrowTerminatingError(e, target); }
        catch (HostIOException e)
        {
            ThrowTerminatingError(ToErrorRecord(e, "HostReadFailed",
                e.Errno is Errno.EACCES or Errno.EPERM ? FailureKind.PermissionDenied : FailureKind.ReadError, target ?? e.Path));
        }
    }
}
