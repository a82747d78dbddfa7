using System.Diagnostics;
using VirtTools.Libvirt;
using VirtTools.Networking;

namespace VirtTools.Monitoring;

/// <summary>
/// Waits until a guest has an IP address (Wait-VMGuest -For IPAddress), as the NIC cmdlets find one
/// (<see cref="GuestAddressLookup"/>: DHCP lease, guest agent, ARP). This one polls, on purpose: libvirt
/// raises no event when a lease is handed out or the agent learns an address (its network events are
/// lifecycle and metadata only, and the agent's lifecycle event says only that the agent connected), so
/// the lookup is asked again every <see cref="PollInterval"/>, bounded by the timeout.
/// </summary>
public static class GuestAddressWaiter
{
    public static TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <param name="timeout">null: until an address is there or <paramref name="cancel"/> fires.</param>
    /// <param name="since">Stopwatch timestamp the timeout counts from (one deadline for several guests); default: now.</param>
    /// <returns>The guest's network adapters that have an address.</returns>
    /// <exception cref="VirtToolsException"><see cref="GuestStateWaiter.TimedOutId"/> when the timeout passes first; its message says what was reached.</exception>
    /// <exception cref="OperationCanceledException">When <paramref name="cancel"/> fires first.</exception>
    public static IReadOnlyList<VMGuestNetworkAdapter> Wait(ILibvirtDomain guest, string connectionUri, TimeSpan? timeout,
        CancellationToken cancel = default, long? since = null)
    {
        var name = guest.Name;
        var started = since ?? Stopwatch.GetTimestamp();
        while (true)
        {
            var (found, reached, advice) = Look(guest, connectionUri);
            if (found.Count > 0) return found;
            var left = timeout is { } t ? t - Stopwatch.GetElapsedTime(started) : Timeout.InfiniteTimeSpan;
            if (timeout is not null && left <= TimeSpan.Zero)
                throw new VirtToolsException(GuestStateWaiter.TimedOutId, FailureKind.OperationTimeout,
                    $"Guest '{name}' had no IP address within {timeout.Value.TotalSeconds:0.###} s: {reached}.", name, advice);
            var nap = timeout is null || left > PollInterval ? PollInterval : left;
            cancel.WaitHandle.WaitOne(nap);
            cancel.ThrowIfCancellationRequested();
        }
    }

    private static (IReadOnlyList<VMGuestNetworkAdapter> Found, string Reached, string Advice) Look(ILibvirtDomain guest, string uri)
    {
        var name = guest.Name;
        bool active;
        try { active = guest.IsActive; }
        catch (LibvirtException e) when (e.Code == ErrorCodes.NoDomain) { active = false; }
        if (!active)
            return (Array.Empty<VMGuestNetworkAdapter>(), "it is not running", $"Start it (Start-VMGuest {name}), then wait again.");
        var notes = new List<string>();
        var nics = GuestNicReader.Adapters(guest, uri, notes);
        var found = nics.Where(n => n.IPAddresses.Length > 0).ToList();
        if (nics.Count == 0)
            return (found, "it runs, with no network adapter", $"Give it one (Add-VMGuestNetworkAdapter {name} -Network default).");
        var why = notes.Count > 0 ? " (" + string.Join("; ", notes) + ")" : "";
        return (found, $"it runs, and no source (DHCP lease, guest agent, ARP) knows an address for {string.Join(", ", nics.Select(n => n.MacAddress))}{why}",
            "Give it longer (-TimeoutSec). Addresses come from a libvirt network's DHCP server (the guest must ask it for a lease), " +
            "the guest agent (qemu-guest-agent in the guest, with its channel), or the host's ARP table (the guest must have talked to the host); " +
            $"see what each says with Get-VMGuestNetworkAdapter {name} -Verbose.");
    }
}
