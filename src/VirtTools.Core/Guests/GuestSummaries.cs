using VirtTools.Networking;

namespace VirtTools.Guests;

/// <summary>
/// One line per drive and NIC for <see cref="VMGuest"/>: what an admin matches against the guest's
/// /dev/vdX and `ip link` (target, MAC, model), which the bare source lists do not say.
/// </summary>
public static class GuestSummaries
{
    public static string Drive(DomainDisk d) =>
        (d.Device == "disk" ? d.Target : $"{d.Target} ({d.Device})") + ": " + (d.Source ?? "(empty)");

    public static string Adapter(GuestNic n) =>
        string.Join(' ', new[] { n.Source is null ? n.Type : $"{n.Type}:{n.Source}", n.MacAddress ?? "(no MAC yet)", n.Model ?? "(default model)" });
}
