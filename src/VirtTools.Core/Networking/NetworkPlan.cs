using System.Xml.Linq;

namespace VirtTools.Networking;

/// <summary>A checked network definition: the XML libvirt is given and the subnets it holds.</summary>
public sealed record NetworkPlan(NetworkRequest Request, XElement Xml, IReadOnlyList<NetworkAddressing> Addressing)
{
    /// <summary>What -WhatIf and ShouldProcess show.</summary>
    public string Describe() =>
        $"{Request.Mode} network" + (Request.Bridge is { } b ? $" on bridge {b}" : "")
        + string.Concat(Addressing.Select(a => $", {a.Gateway}/{a.Subnet.Prefix} DHCP {a.DhcpStart}-{a.DhcpEnd}"));
}

/// <summary>One &lt;ip&gt; of a new network: the host's (gateway) address on it and the DHCP range.</summary>
public sealed record NetworkAddressing(IPSubnet Subnet, System.Net.IPAddress Gateway, System.Net.IPAddress DhcpStart, System.Net.IPAddress DhcpEnd);
