namespace VirtTools.Libvirt;

// Values of libvirt's own enums for guest NICs and virtual networks (libvirt-domain.h, libvirt-network.h).

/// <summary>virDomainInterfaceAddressesSource: where libvirt looks for a guest's addresses.</summary>
public enum InterfaceAddressSource { Lease = 0, Agent = 1, Arp = 2 }

/// <summary>virIPAddrType.</summary>
public enum IPAddressType { IPv4 = 0, IPv6 = 1 }
