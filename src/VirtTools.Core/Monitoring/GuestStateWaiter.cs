using System.Diagnostics;
using VirtTools.Libvirt;

namespace VirtTools.Monitoring;

/// <summary>
/// Waits for a guest to reach a state, woken by libvirt's lifecycle events (not by polling): the state is
/// read once when the watch is registered (so a change between the read and the registration is not missed)
/// and again after each event.
/// </summary>
public static class GuestStateWaiter
{
    public const string TimedOutId = "GuestWaitTimedOut";

    /// <summary>The states Wait-VMGuest offers.</summary>
    public static readonly DomainState[] States = { DomainState.Running, DomainState.ShutOff, DomainState.Paused };

    /// <param name="timeout">null: until the state is reached or <paramref name="cancel"/> fires.</param>
    /// <param name="since">Stopwatch timestamp the timeout counts from (a command waiting for several guests in
    /// turn gives them one deadline); default: now.</param>
    /// <returns>The state reached.</returns>
    /// <exception cref="VirtToolsException"><see cref="TimedOutId"/> when the timeout passes first; its message names the state the guest is in.</exception>
    /// <exception cref="OperationCanceledException">When <paramref name="cancel"/> fires first.</exception>
    public static DomainState Wait(ILibvirtConnection c, ILibvirtDomain guest, DomainState target, TimeSpan? timeout, CancellationToken cancel = default,
        long? since = null)
    {
        var name = guest.Name;
        var started = since ?? Stopwatch.GetTimestamp();
        using var watch = c.WatchState(guest);
        while (true)
        {
            var now = Read(watch);
            if (now == target) return now;
            var left = timeout is { } t ? t - Stopwatch.GetElapsedTime(started) : Timeout.InfiniteTimeSpan;
            if (timeout is not null && left <= TimeSpan.Zero)
                throw new VirtToolsException(TimedOutId, FailureKind.OperationTimeout,
                    $"Guest '{name}' did not reach {target} within {timeout.Value.TotalSeconds:0.###} s: it is {now}.", name,
                    $"Give it longer (-TimeoutSec), or see why with Get-VMGuest {name} | Format-List (State shows libvirt's reason).");
            watch.WaitForEvent(left, cancel);
            cancel.ThrowIfCancellationRequested();
        }
    }

    /// <summary>A transient guest is gone once it stops: that is ShutOff too.</summary>
    private static DomainState Read(IGuestStateWatch watch)
    {
        try { return watch.CurrentState(); }
        catch (LibvirtException e) when (e.Code == ErrorCodes.NoDomain) { return DomainState.ShutOff; }
    }
}
