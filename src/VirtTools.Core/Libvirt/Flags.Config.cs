namespace VirtTools.Libvirt;

// Values of libvirt's own enums for changing a defined or running guest (libvirt-domain.h).

/// <summary>virDomainMemoryModFlags: VIR_DOMAIN_MEM_*; Maximum changes the ceiling (setmaxmem) instead of the balloon target.</summary>
[Flags] public enum DomainMemoryFlags : uint { Current = 0, Live = 1, Config = 2, Maximum = 4 }

/// <summary>virDomainVcpuFlags: VIR_DOMAIN_VCPU_*; Maximum changes the ceiling, Guest asks the guest agent.</summary>
[Flags] public enum DomainVcpuFlags : uint { Current = 0, Live = 1, Config = 2, Maximum = 4, Guest = 8, Hotpluggable = 16 }

/// <summary>virDomainMetadataType.</summary>
public enum DomainMetadataType { Description = 0, Title = 1, Element = 2 }
