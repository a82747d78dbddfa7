namespace VirtTools;

/// <summary>A libvirt guest (domain) as Get-VMGuest shows it.</summary>
public sealed class VMGuest
{
    public string Name { get; set; } = "";
    public Guid Uuid { get; set; }
    /// <summary>The running instance's id; null when shut off.</summary>
    public int? Id { get; set; }
    /// <summary>Running, Paused, ShutOff, ShuttingDown, Crashed, PMSuspended, Blocked, NoState.</summary>
    public string State { get; set; } = "";
    /// <summary>Why it is in that state (Booted, Destroyed, Saved, User ...), libvirt's reason.</summary>
    public string? StateReason { get; set; }
    /// <summary>KVM, QEMU, Xen, or libvirt's domain type for other drivers.</summary>
    public string Hypervisor { get; set; } = "";
    /// <summary>FV, PV or PVHVM.</summary>
    public string? Mode { get; set; }
    public long MemoryBytes { get; set; }
    public int ProcessorCount { get; set; }
    /// <summary>Bios or Uefi; null for Xen PV (no firmware).</summary>
    public string? Firmware { get; set; }
    /// <summary>Disk and cdrom sources (files, volumes, block devices).</summary>
    public string[] Disks { get; set; } = Array.Empty<string>();
    /// <summary>"network:default", "bridge:br0", "direct:eth0" ...</summary>
    public string[] Interfaces { get; set; } = Array.Empty<string>();
    /// <summary>PCI addresses of the passed-through devices.</summary>
    public string[] HostDevices { get; set; } = Array.Empty<string>();
    public bool Autostart { get; set; }
    public bool Persistent { get; set; }
    public string ConnectionUri { get; set; } = "";

    public override string ToString() => Name;
}
