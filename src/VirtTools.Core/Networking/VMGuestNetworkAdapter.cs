namespace VirtTools;

/// <summary>
/// One NIC of a guest as Get-VMGuestNetworkAdapter shows it: what the running guest has (or, shut
/// off, its definition), with the addresses libvirt found for its MAC. Read-only: change a NIC with
/// Set-VMGuestNetworkAdapter.
/// </summary>
public sealed class VMGuestNetworkAdapter
{
    /// <summary>The guest's name (not "Name": piped into a guest cmdlet, a NIC must not pass as a guest).</summary>
    public string Guest { get; internal init; } = "";
    /// <summary>aa:bb:cc:dd:ee:ff, lower case as libvirt writes it.</summary>
    public string MacAddress { get; internal init; } = "";
    /// <summary>libvirt's interface type: network, bridge, direct, vhostuser, hostdev, user, ethernet ...</summary>
    public string Type { get; internal init; } = "";
    /// <summary>The network, bridge or host device it is on; a vhost-user NIC's socket path.</summary>
    public string? Source { get; internal init; }
    /// <summary>virtio, e1000e, rtl8139, netfront ...; null when the definition names none.</summary>
    public string? Model { get; internal init; }
    /// <summary>Up or Down (&lt;link state&gt;; a NIC without one is up).</summary>
    public string LinkState { get; internal init; } = "Up";
    /// <summary>The host side's device (vnet0, macvtap0) while the guest runs; null when shut off.</summary>
    public string? Device { get; internal init; }
    /// <summary>Addresses found for this MAC, each saying which source answered; empty when shut off or none answered.</summary>
    public VMGuestIPAddress[] IPAddresses { get; internal init; } = Array.Empty<VMGuestIPAddress>();
    public string ConnectionUri { get; internal init; } = "";

    /// <summary>"network:default", as VMGuest.Interfaces writes it.</summary>
    public string Connection => Source is null ? Type : $"{Type}:{Source}";

    public override string ToString() => MacAddress;
}
