namespace VirtTools;

/// <summary>A libvirt virtual network as Get-VMNetwork shows it (virsh net-list and net-dumpxml in one object).</summary>
public sealed class VMNetwork
{
    public string Name { get; internal init; } = "";
    public bool Active { get; internal init; }
    public bool Autostart { get; internal init; }
    public bool Persistent { get; internal init; }
    /// <summary>The host bridge its guests' NICs join (virbr0).</summary>
    public string? Bridge { get; internal init; }
    /// <summary>nat, route, open, bridge, passthrough ...; "isolated" without a &lt;forward&gt;.</summary>
    public string ForwardMode { get; internal init; } = "isolated";
    /// <summary>The host's address on it with its prefix (192.168.122.1/24); null when it has none.</summary>
    public string? IPAddress { get; internal init; }
    /// <summary>The first DHCP range (192.168.122.2-192.168.122.254); null without DHCP.</summary>
    public string? DhcpRange { get; internal init; }
    public string ConnectionUri { get; internal init; } = "";

    public override string ToString() => Name;
}
