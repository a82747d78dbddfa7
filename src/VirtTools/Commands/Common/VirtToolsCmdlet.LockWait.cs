using System.Globalization;
using System.Management.Automation;
using VirtTools.Host;

namespace VirtTools.Commands;

public abstract partial class VirtToolsCmdlet
{
    private const int LockWaitProgressId = 0x10C;

    /// <summary>
    /// Shows a wait for another command's lock as progress: what this command waits to change, who holds it,
    /// and how long it has waited of how long it will. The core calls it on the pipeline thread, from the lock's
    /// polling loop, so WriteProgress may be called directly.
    /// </summary>
    /// <summary>
    /// Takes the lock a change holds from planning to its end, through <paramref name="take"/>; none under
    /// -WhatIf, which changes nothing and waits for no one. False, with the refusal (TargetLocked after the
    /// wait) written as an error on <paramref name="target"/>, when another command keeps it.
    /// </summary>
    protected bool TryHoldLock(Func<IDisposable?> take, object target, out IDisposable? held)
    {
        held = null;
        if (WhatIfRequested()) return true;
        try
        {
            held = take();
            return true;
        }
        catch (VirtToolsException e)
        {
            WriteError(e, target);
            return false;
        }
    }

    protected void ReportLockWait(LockWait w)
    {
        var activity = $"Waiting for another command changing {w.What} ({w.Target})";
        if (w.Ended)
        {
            WriteProgress(new ProgressRecord(LockWaitProgressId, activity, "done") { RecordType = ProgressRecordType.Completed });
            return;
        }
        var waited = (int)w.Waited.TotalSeconds;
        var total = (int)Math.Ceiling(w.Timeout.TotalSeconds);
        var status = string.Create(CultureInfo.InvariantCulture,
            $"held by {w.Holder ?? "another process"}; waited {waited} s of {total} s");
        WriteProgress(new ProgressRecord(LockWaitProgressId, activity, status)
        {
            PercentComplete = total == 0 ? 100 : Math.Min(100, waited * 100 / total),
            SecondsRemaining = Math.Max(0, total - waited),
        });
    }
}
