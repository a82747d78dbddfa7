namespace VirtTools.Libvirt;

/// <summary>What a watched guest did after a reboot was asked.</summary>
public enum GuestRebootOutcome { Pending, Rebooted, Stopped }

/// <summary>
/// Listens to one guest's reboot and lifecycle events from before the reboot is asked (so none is
/// missed) until disposed: a guest that ignores ACPI never sends one.
/// </summary>
public interface IGuestRebootWatch : IDisposable
{
    /// <summary>Waits up to <paramref name="timeout"/>; Pending when nothing happened yet.</summary>
    GuestRebootOutcome Wait(TimeSpan timeout, CancellationToken cancel = default);
}
