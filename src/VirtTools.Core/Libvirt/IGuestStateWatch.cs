namespace VirtTools.Libvirt;

/// <summary>
/// A guest's lifecycle events, from registration until disposed: each event wakes <see cref="WaitForEvent"/>,
/// so a waiter re-reads the state only when libvirt says it changed.
/// </summary>
public interface IGuestStateWatch : IDisposable
{
    /// <summary>The guest's state now, read on the watch's own connection.</summary>
    DomainState CurrentState();

    /// <summary>True when an event came within <paramref name="timeout"/> (or had come since the last call).</summary>
    bool WaitForEvent(TimeSpan timeout, CancellationToken cancel = default);
}
