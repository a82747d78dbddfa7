namespace VirtTools;

/// <summary>One address of a guest NIC and where it was found.</summary>
public sealed class VMGuestIPAddress
{
    public string Address { get; internal init; } = "";
    public int PrefixLength { get; internal init; }
    /// <summary>IPv4 or IPv6.</summary>
    public string Family { get; internal init; } = "IPv4";
    /// <summary>Lease (libvirt's DHCP server), Agent (the guest agent) or Arp (the host's neighbour table).</summary>
    public string Source { get; internal init; } = "";

    public override string ToString() => $"{Address}/{PrefixLength} ({Source})";
}
