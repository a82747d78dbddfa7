namespace VirtTools;

/// <summary>
/// One virtual function of a network PF as its PF's driver reports it (ip -d link show &lt;pf&gt;,
/// IFLA_VFINFO_LIST), joined with what sysfs says about the VF itself.
/// </summary>
public sealed class SriovVf
{
    /// <summary>The PF's PCI address.</summary>
    public string PhysicalFunction { get; set; } = "";
    /// <summary>The PF's network interface, on which `ip link set ... vf N` acts.</summary>
    public string? PfInterface { get; set; }
    /// <summary>The VF number (virtfnN, `vf N`).</summary>
    public int Index { get; set; }
    /// <summary>The VF's PCI address; null when sysfs has no virtfnN link for it.</summary>
    public string? Address { get; set; }
    /// <summary>The administrative MAC the PF enforces; 00:00:00:00:00:00 when none is set (the VF picks its own).</summary>
    public string? MacAddress { get; set; }
    /// <summary>The port VLAN the PF tags the VF's traffic with; 0 = none.</summary>
    public int VlanId { get; set; }
    /// <summary>The 802.1p priority of the port VLAN (0-7).</summary>
    public int Qos { get; set; }
    /// <summary>802.1Q, or 802.1ad when the driver reports it.</summary>
    public string? VlanProtocol { get; set; }
    /// <summary>MAC anti-spoofing; null when the driver does not report it.</summary>
    public bool? SpoofCheck { get; set; }
    /// <summary>Trusted VF (may change its MAC, use promiscuous modes); null when not reported.</summary>
    public bool? Trust { get; set; }
    /// <summary>auto (follows the PF's link), enable or disable; null when not reported.</summary>
    public string? LinkState { get; set; }
    /// <summary>Guaranteed transmit rate, Mbit/s; 0 = none.</summary>
    public int MinTxRate { get; set; }
    /// <summary>Transmit rate limit, Mbit/s; 0 = none.</summary>
    public int MaxTxRate { get; set; }
    /// <summary>The driver the VF itself is bound to (igbvf, iavf, mlx5_core, vfio-pci), or null.</summary>
    public string? Driver { get; set; }
    /// <summary>The VF's own network interface on this host, or null (unbound, or bound to vfio-pci).</summary>
    public string? Interface { get; set; }

    public override string ToString() => $"{PhysicalFunction} vf {Index}";
}
