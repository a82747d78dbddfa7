namespace VirtTools.Libvirt;

public partial interface ILibvirtNetwork
{
    /// <summary>virNetworkGetDHCPLeases: the leases its dnsmasq handed out (all MACs).</summary>
    IReadOnlyList<LibvirtNetworkLease> GetDhcpLeases();
}

/// <summary>One virNetworkDHCPLease; <paramref name="ExpiryTime"/> in seconds since the epoch (0: never).</summary>
public sealed record LibvirtNetworkLease(string Interface, long ExpiryTime, IPAddressType Type, string? MacAddress, string? Iaid,
    string IPAddress, uint Prefix, string? Hostname, string? ClientId);
