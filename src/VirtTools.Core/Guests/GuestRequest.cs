namespace VirtTools.Guests;

/// <summary>What New-VMGuest was asked for; nulls take the host's defaults.</summary>
public sealed partial class GuestRequest
{
    public required string Name { get; init; }
    public long? MemoryBytes { get; init; }
    public int? ProcessorCount { get; init; }
    public GuestHypervisor? Hypervisor { get; init; }
    public GuestMode? Mode { get; init; }
    public GuestFirmware? Firmware { get; init; }
    public bool SecureBoot { get; init; }
    public IReadOnlyList<string> DiskPaths { get; init; } = Array.Empty<string>();
    public long? NewDiskSizeBytes { get; init; }
    public string StoragePool { get; init; } = "default";
    public string? CdromPath { get; init; }
    public string? Network { get; init; }
    public string? Bridge { get; init; }
    public string? Kernel { get; init; }
    public string? Initrd { get; init; }
    public string? KernelArguments { get; init; }
    public IReadOnlyList<string> HostDevices { get; init; } = Array.Empty<string>();
    /// <summary>Overrides the host-usage guard (a device the host itself uses), as Enable-VfioDevice -Force does.</summary>
    public bool Force { get; init; }
    /// <summary>No NIC: without it and without Network/Bridge, the guest gets one on 'default' (as virt-install does) when that network is active.</summary>
    public bool NoNetwork { get; init; }
    /// <summary>No VNC framebuffer: a Dom0 without Xen's device model (qemu-system-i386) cannot give a PV guest one.</summary>
    public bool NoGraphics { get; init; }
}
