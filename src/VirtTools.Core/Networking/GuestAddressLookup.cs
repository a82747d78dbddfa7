using System.Xml.Linq;
using VirtTools.Libvirt;

namespace VirtTools.Networking;

/// <summary>
/// A running guest's addresses, per MAC, from the first source that knows them: libvirt's DHCP lease
/// (its own dnsmasq, exact, cheap), then the guest agent (what the guest itself configured, also static
/// addresses), then the host's ARP table (only what has talked to the host lately).
/// </summary>
public static class GuestAddressLookup
{
    public static readonly InterfaceAddressSource[] Order = [InterfaceAddressSource.Lease, InterfaceAddressSource.Agent, InterfaceAddressSource.Arp];

    /// <summary>
    /// True when the live XML shows the guest agent's channel connected. Asking an agent that is not there
    /// costs libvirt's agent timeout (seconds) per call, so the agent is asked only when it is.
    /// </summary>
    public static bool AgentConnected(XElement liveDomain) =>
        liveDomain.Element("devices")?.Elements("channel").Select(c => c.Element("target"))
            .Any(t => (string?)t?.Attribute("name") == "org.qemu.guest_agent.0" && (string?)t.Attribute("state") == "connected") == true;

    /// <summary>
    /// Asks each source in <see cref="Order"/> only for the MACs no earlier source answered; a source that
    /// fails (no lease file, no agent) is skipped, its reason added to <paramref name="notes"/>.
    /// </summary>
    public static Dictionary<string, List<VMGuestIPAddress>> Find(ILibvirtDomain d, IReadOnlyList<GuestNic> nics, bool askAgent,
        ICollection<string>? notes = null)
    {
        var found = new Dictionary<string, List<VMGuestIPAddress>>(StringComparer.OrdinalIgnoreCase);
        var wanted = nics.Select(n => n.MacAddress).OfType<string>().ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var source in Order)
        {
            if (wanted.Count == 0) break;
            if (source == InterfaceAddressSource.Agent && !askAgent)
            {
                notes?.Add($"guest '{d.Name}': the guest agent is not connected; not asked.");
                continue;
            }
            IReadOnlyList<LibvirtInterfaceAddresses> answer;
            try { answer = d.GetInterfaceAddresses(source); }
            catch (LibvirtException e)
            {
                notes?.Add($"guest '{d.Name}': no addresses from {source}: {e.LibvirtMessage}");
                continue;
            }
            var now = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var iface in answer)
            {
                if (iface.MacAddress is not { } mac || !wanted.Contains(mac)) continue;
                var list = found.TryGetValue(mac, out var l) ? l : found[mac] = new List<VMGuestIPAddress>();
                foreach (var a in iface.Addresses)
                {
                    if (list.Any(x => x.Address == a.Address)) continue;
                    list.Add(new VMGuestIPAddress
                    {
                        Address = a.Address, PrefixLength = a.Prefix, Family = a.Type == IPAddressType.IPv6 ? "IPv6" : "IPv4", Source = source.ToString(),
                    });
                }
                if (list.Count > 0) now.Add(mac);
                else found.Remove(mac);
            }
            wanted.ExceptWith(now);
        }
        return found;
    }
}
