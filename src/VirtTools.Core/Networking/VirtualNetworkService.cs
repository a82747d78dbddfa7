using System.Globalization;
using System.Net;
using System.Xml.Linq;
using VirtTools.Guests;
using VirtTools.Host;
using VirtTools.Libvirt;

namespace VirtTools.Networking;

/// <summary>
/// New-, Remove-, Start-, Stop-VMNetwork and Get-VMNetworkLease: checks a network request (name, mode,
/// subnets, bridge; no overlap with the host's routes or another libvirt network) before libvirt is asked,
/// defines it, and undoes what it did when a later step fails.
/// </summary>
public sealed class VirtualNetworkService(ILibvirtConnection c, HostContext host)
{
    public static class Ids
    {
        public const string InvalidName = "InvalidNetworkName";
        public const string NameInUse = "NetworkNameInUse";
        public const string InvalidSubnet = "InvalidNetworkSubnet";
        public const string Overlaps = "NetworkSubnetOverlaps";
        public const string SubnetRequired = "NetworkSubnetRequired";
        public const string SubnetNotApplicable = "NetworkSubnetNotApplicable";
        public const string BridgeRequired = "NetworkBridgeRequired";
        public const string BridgeNotApplicable = "NetworkBridgeNotApplicable";
        public const string BridgeNotFound = "HostBridgeNotFound";
        public const string InUse = "NetworkInUse";
    }

    private const string NothingCreated = "Nothing was created.";
    private readonly bool _local = GuestCreator.IsLocalUri(c.Uri);

    public NetworkPlan Plan(NetworkRequest r)
    {
        if (InputText.WhyNotAName(r.Name, 64) is { } why)
            throw Bad(Ids.InvalidName, $"'{InputText.Shown(r.Name)}' is not a usable network name: {why}. {NothingCreated}", r.Name,
                "Use letters, digits, '-', '_' and '.'.");
        using (var existing = c.FindNetwork(r.Name))
            if (existing is not null)
                throw new VirtToolsException(Ids.NameInUse, FailureKind.ResourceExists, $"libvirt network '{r.Name}' already exists on {c.Uri}. {NothingCreated}",
                    r.Name, "Choose another name, or remove the old network with Remove-VMNetwork.");
        var xml = new XElement("network", new XElement("name", r.Name));
        if (r.Mode == NetworkMode.Bridge)
        {
            if (r.Subnets.Count > 0)
                throw Bad(Ids.SubnetNotApplicable, $"-Subnet does not apply to -Mode Bridge: the host bridge's own network gives the guests their addresses. {NothingCreated}",
                    r.Subnets[0], "Drop -Subnet, or use -Mode Nat, Route, Open or Isolated for a network libvirt addresses.");
            if (r.Bridge is null)
                throw Bad(Ids.BridgeRequired, $"-Mode Bridge needs -Bridge, the name of an existing host bridge. {NothingCreated}", r.Name,
                    "Give the bridge as 'ip link show type bridge' lists it, e.g. -Bridge br0.");
            GuestSpecValidator.ValidateBridge(r.Bridge);
            if (_local && !host.Files.Exists($"/sys/class/net/{r.Bridge}/bridge"))
                throw new VirtToolsException(Ids.BridgeNotFound, FailureKind.ObjectNotFound,
                    $"'{r.Bridge}' is not a bridge on this host (no /sys/class/net/{r.Bridge}/bridge). {NothingCreated}", r.Bridge,
                    "Create the bridge first (NetworkManager, wicked or systemd-networkd) with the uplink NIC enslaved, or use -Mode Nat.");
            xml.Add(new XElement("forward", new XAttribute("mode", "bridge")), new XElement("bridge", new XAttribute("name", r.Bridge)));
            return new NetworkPlan(r, xml, Array.Empty<NetworkAddressing>());
        }
        if (r.Bridge is not null)
            throw Bad(Ids.BridgeNotApplicable, $"-Bridge names an existing host bridge and applies to -Mode Bridge only; for -Mode {r.Mode} libvirt makes and names its own bridge. {NothingCreated}",
                r.Bridge, "Drop -Bridge, or use -Mode Bridge.");
        if (r.Subnets.Count == 0 && r.Mode is NetworkMode.Nat or NetworkMode.Route or NetworkMode.Open)
            throw Bad(Ids.SubnetRequired, $"-Mode {r.Mode} needs -Subnet: the host routes to the guests through its address on that subnet. {NothingCreated}", r.Name,
                "Give a private subnet no host route or other network uses, e.g. -Subnet 192.168.150.0/24.");
        var addressing = r.Subnets.Select(Addressing).ToList();
        if (addressing.GroupBy(a => a.Subnet.IsIPv6).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw Bad(Ids.InvalidSubnet, $"-Subnet gives two {(twice.Key ? "IPv6" : "IPv4")} subnets; a network has at most one of each. {NothingCreated}",
                string.Join(",", r.Subnets), "Give one IPv4 and at most one IPv6 subnet.");
        foreach (var a in addressing) RefuseOverlap(a.Subnet);
        if (r.Mode != NetworkMode.Isolated)
            xml.Add(new XElement("forward", new XAttribute("mode", r.Mode.ToString().ToLowerInvariant())));
        // No <bridge name>: libvirt picks a free virbrN when it defines the network.
        xml.Add(new XElement("bridge", new XAttribute("stp", "on"), new XAttribute("delay", "0")));
        foreach (var a in addressing)
            xml.Add(new XElement("ip",
                a.Subnet.IsIPv6 ? new XAttribute("family", "ipv6") : null,
                new XAttribute("address", a.Gateway.ToString()), new XAttribute("prefix", a.Subnet.Prefix.ToString(CultureInfo.InvariantCulture)),
                new XElement("dhcp", new XElement("range", new XAttribute("start", a.DhcpStart.ToString()), new XAttribute("end", a.DhcpEnd.ToString())))));
        return new NetworkPlan(r, xml, addressing);
    }

    /// <summary>
    /// The gateway and DHCP range of a -Subnet: the address written when it has a host part
    /// (10.9.0.254/24), else the first one; the range is the larger side of the rest. IPv6: a /64 (what
    /// router advertisements and SLAAC need), the gateway ::1 and the range ::100-::1ff.
    /// </summary>
    private static NetworkAddressing Addressing(string text)
    {
        var s = IPSubnet.TryParse(text) ?? throw Bad(Ids.InvalidSubnet, $"-Subnet '{InputText.Shown(text)}' is not an address with a prefix length. {NothingCreated}",
            text, "Write it as CIDR, e.g. -Subnet 192.168.150.0/24 or fd00:1:2:3::/64.");
        if (s.IsIPv6)
        {
            if (s.Prefix != 64)
                throw Bad(Ids.InvalidSubnet, $"-Subnet {text}: an IPv6 network needs a /64 (router advertisements and SLAAC work on /64 only). {NothingCreated}",
                    text, "Give a /64, e.g. fd00:1:2:3::/64.");
            var gw6 = s.HasHostPart ? s.Address : s.At(s.First + 1);
            return new NetworkAddressing(s, gw6, s.At(s.First + 0x100), s.At(s.First + 0x1ff));
        }
        if (s.Prefix > 30)
            throw Bad(Ids.InvalidSubnet, $"-Subnet {text} has no room for the host's address and a DHCP range (at most /30). {NothingCreated}", text,
                "Give a larger subnet, e.g. a /24.");
        var gw = s.HasHostPart ? IPSubnet.ToNumber(s.Address) : s.First + 1;
        if (gw == s.Last)
            throw Bad(Ids.InvalidSubnet, $"-Subnet {text}: {s.Address} is the subnet's broadcast address, not one the host can use. {NothingCreated}", text,
                $"Give the network address ({s}) or a host address inside it.");
        var (start, end) = gw - (s.First + 1) >= s.Last - 1 - gw ? (s.First + 1, gw - 1) : (gw + 1, s.Last - 1);
        return new NetworkAddressing(s, s.At(gw), s.At(start), s.At(end));
    }

    private void RefuseOverlap(IPSubnet s)
    {
        foreach (var n in c.ListNetworks())
            using (n)
                foreach (var other in Subnets(XElement.Parse(n.GetXml())))
                    if (other.Overlaps(s))
                        throw Overlap(s, $"libvirt network '{n.Name}' ({other.Address}/{other.Prefix})");
        // The host's routes describe this machine: only a local connection's networks land there.
        if (!_local) return;
        foreach (var route in HostRouteReader.Read(host))
            if (route.Destination.Overlaps(s))
                throw Overlap(s, $"the host's route to {route}");
    }

    private VirtToolsException Overlap(IPSubnet s, string what) =>
        new(Ids.Overlaps, FailureKind.ResourceExists, $"-Subnet {s} overlaps {what} on {c.Uri}: guests on it could not reach those addresses, or the host would route them the wrong way. {NothingCreated}",
            s.ToString(), "Choose a private subnet nothing else uses; Get-VMNetwork lists the networks' subnets and 'ip route show table all' the host's.");

    /// <summary>The subnets of a network's &lt;ip&gt; elements (prefix='n' or netmask='a.b.c.d').</summary>
    public static IEnumerable<IPSubnet> Subnets(XElement network)
    {
        foreach (var ip in network.Elements("ip"))
        {
            if (!IPAddress.TryParse((string?)ip.Attribute("address"), out var a)) continue;
            int? prefix = int.TryParse((string?)ip.Attribute("prefix"), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p
                : IPAddress.TryParse((string?)ip.Attribute("netmask"), out var mask) ? IPSubnet.PrefixOfMask(mask)
                : a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 64 : null;
            if (prefix is { } pr) yield return new IPSubnet(a, pr);
        }
    }

    /// <summary>Defines the network, starts it (unless asked not to) and marks it autostart; a failure undoes it all.</summary>
    public VMNetwork Create(NetworkPlan plan)
    {
        var n = c.DefineNetwork(plan.Xml.ToString(SaveOptions.DisableFormatting));
        try
        {
            if (!plan.Request.NoStart) n.Start();
            if (plan.Request.AutoStart) n.Autostart = true;
            return NetworkReader.Read(n, c.Uri);
        }
        catch (VirtToolsException)
        {
            try { if (n.IsActive) n.Stop(); } catch (LibvirtException) { }
            try { n.Undefine(); } catch (LibvirtException) { }
            throw;
        }
        finally { n.Dispose(); }
    }

    /// <summary>The running guests with a NIC on this network, by name.</summary>
    public IReadOnlyList<string> RunningUsers(string network)
    {
        var users = new List<string>();
        foreach (var d in c.ListDomains(DomainListFlags.Active))
            using (d)
                if (GuestNicReader.Read(d.GetXml()).Any(nic => nic.Type == "network" && nic.Source == network))
                    users.Add(d.Name);
        users.Sort(StringComparer.Ordinal);
        return users;
    }

    /// <summary>Refuses to cut running guests off an active network unless forced.</summary>
    private void GuardUsers(ILibvirtNetwork n, bool force, string verb)
    {
        if (force || !n.IsActive) return;
        if (RunningUsers(n.Name) is { Count: > 0 } users)
            throw new VirtToolsException(Ids.InUse, FailureKind.ResourceBusy,
                $"libvirt network '{n.Name}' is in use by running guest{(users.Count > 1 ? "s" : "")} {string.Join(", ", users.Select(u => $"'{u}'"))}: {verb} it cuts their network link. Nothing was changed.",
                n.Name, $"Stop the guests or move their NICs (Set-VMGuestNetworkAdapter) first, or add -Force to {verb.ToLowerInvariant()} it anyway.");
    }

    /// <summary>Stops the network when active (after the guard) and undefines it when persistent.</summary>
    public void Remove(ILibvirtNetwork n, bool force)
    {
        GuardUsers(n, force, "Removing");
        if (n.IsActive) n.Stop();
        if (n.IsPersistent) n.Undefine();
    }

    public void Stop(ILibvirtNetwork n, bool force)
    {
        GuardUsers(n, force, "Stopping");
        if (n.IsActive) n.Stop();
    }

    public static void Start(ILibvirtNetwork n)
    {
        if (!n.IsActive) n.Start();
    }

    public static IEnumerable<VMNetworkLease> Leases(ILibvirtNetwork n, string connectionUri) =>
        n.GetDhcpLeases()
            .OrderBy(l => l.Type).ThenBy(l => l.IPAddress, StringComparer.Ordinal)
            .Select(l => new VMNetworkLease
            {
                Network = n.Name,
                MacAddress = l.MacAddress?.ToLowerInvariant(),
                IPAddress = $"{l.IPAddress}/{l.Prefix.ToString(CultureInfo.InvariantCulture)}",
                Type = l.Type.ToString(),
                Hostname = l.Hostname,
                ExpiryTime = l.ExpiryTime > 0 ? DateTime.UnixEpoch.AddSeconds(l.ExpiryTime) : null,
                ClientId = l.ClientId,
                Iaid = l.Iaid,
                Interface = l.Interface,
                ConnectionUri = connectionUri,
            });

    private static VirtToolsException Bad(string id, string message, object? target, string? action) =>
        new(id, FailureKind.InvalidArgument, message, target, action);
}
