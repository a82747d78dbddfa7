namespace VirtTools.Libvirt;

/// <summary>What libvirt reports of one disk of a running guest (virDomainGetBlockInfo), in bytes.</summary>
public sealed record LibvirtBlockInfo(long CapacityBytes, long AllocationBytes, long PhysicalBytes);

/// <summary>Disks and media of a guest (Add-/Remove-/Resize-VMGuestDisk, Set-VMGuestDvdDrive).</summary>
public partial interface ILibvirtDomain
{
    /// <summary>virDomainUpdateDeviceFlags: changes a device in place (a cdrom's medium, a NIC's link state).</summary>
    void UpdateDevice(string xml, DomainModificationFlags flags);
    /// <summary>virDomainBlockResize with VIR_DOMAIN_BLOCK_RESIZE_BYTES: grows a running guest's disk (target name or path).</summary>
    void BlockResize(string disk, long bytes);
    /// <summary>virDomainGetBlockInfo: the size of a running guest's disk as its image has it.</summary>
    LibvirtBlockInfo GetBlockInfo(string disk);
}
