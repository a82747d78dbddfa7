using VirtTools.Pci;

namespace VirtTools.Guests;

/// <summary>KVM = hardware-assisted QEMU; QEMU = plain emulation (TCG) for hosts without it; Xen = libxl.</summary>
public enum GuestHypervisor { KVM, Xen, QEMU }

/// <summary>FV = full virtualization; PV = Xen paravirtual; PVHVM = Xen HVM with paravirtual disk and network.</summary>
public enum GuestMode { FV, PV, PVHVM }

public enum GuestFirmware { Bios, Uefi }

/// <summary>An existing image (or a volume created for the guest), attached as the next disk.</summary>
/// <param name="Block">A block device (an LV of a logical pool): libvirt's disk type 'block' with a source dev.</param>
public sealed record GuestDisk(string Path, string Format, bool Block = false);

/// <summary>Everything New-VMGuest turns into domain XML; defaults are filled by <see cref="GuestDefaults"/>.</summary>
public sealed partial record GuestSpec
{
    public required string Name { get; init; }
    public long MemoryBytes { get; init; } = 2L << 30;
    public int ProcessorCount { get; init; } = 2;
    public GuestHypervisor Hypervisor { get; init; } = GuestHypervisor.KVM;
    public GuestMode Mode { get; init; } = GuestMode.FV;
    public GuestFirmware Firmware { get; init; } = GuestFirmware.Bios;
    public bool SecureBoot { get; init; }
    public IReadOnlyList<GuestDisk> Disks { get; init; } = Array.Empty<GuestDisk>();
    public string? CdromPath { get; init; }
    public string? Network { get; init; }
    public string? Bridge { get; init; }
    public string? Kernel { get; init; }
    public string? Initrd { get; init; }
    public string? KernelArguments { get; init; }
    /// <summary>Xen PV only: a bootloader program run in Dom0 (pygrub); pvgrub2 is a <see cref="Kernel"/> instead.</summary>
    public string? Bootloader { get; init; }
    public IReadOnlyList<PciAddress> HostDevices { get; init; } = Array.Empty<PciAddress>();
    /// <summary>The device model binary; from the connection's capabilities when known.</summary>
    public string? Emulator { get; init; }
    /// <summary>Xen HVM firmware loader (hvmloader); from the capabilities when known.</summary>
    public string? Loader { get; init; }
    /// <summary>No framebuffer (VNC, video, tablet): the guest has its console only, as virt-install --graphics none.</summary>
    public bool NoGraphics { get; init; }
}
