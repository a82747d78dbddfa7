namespace VirtTools.Libvirt;

/// <summary>One guest NIC as virDomainInterfaceAddresses reports it.</summary>
public sealed record LibvirtInterfaceAddresses(string Name, string? MacAddress, IReadOnlyList<LibvirtIPAddress> Addresses);

public sealed record LibvirtIPAddress(IPAddressType Type, string Address, int Prefix);

/// <summary>A guest's NICs: addresses (link changes go through UpdateDevice, ILibvirtDomain.Disks.cs).</summary>
public partial interface ILibvirtDomain
{
    /// <summary>virDomainInterfaceAddresses from one source; fails when that source has no answer (no agent ...).</summary>
    IReadOnlyList<LibvirtInterfaceAddresses> GetInterfaceAddresses(InterfaceAddressSource source);
}
