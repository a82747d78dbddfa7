namespace VirtTools;

/// <summary>A DHCP lease a libvirt network's dnsmasq handed out (virsh net-dhcp-leases).</summary>
public sealed class VMNetworkLease
{
    /// <summary>The network's name.</summary>
    public string Network { get; internal init; } = "";
    public string? MacAddress { get; internal init; }
    /// <summary>The leased address with its prefix (192.168.122.45/24).</summary>
    public string IPAddress { get; internal init; } = "";
    public string Type { get; internal init; } = "IPv4";
    public string? Hostname { get; internal init; }
    /// <summary>When the lease ends (UTC); null for a lease that never expires.</summary>
    public DateTime? ExpiryTime { get; internal init; }
    public string? ClientId { get; internal init; }
    /// <summary>The DHCPv6 IAID (IPv6 leases only).</summary>
    public string? Iaid { get; internal init; }
    /// <summary>The bridge the lease was given on (virbr0).</summary>
    public string Interface { get; internal init; } = "";
    public string ConnectionUri { get; internal init; } = "";

    public override string ToString() => $"{MacAddress} {IPAddress}";
}
