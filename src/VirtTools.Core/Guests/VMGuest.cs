namespace VirtTools;

/// <summary>
/// A libvirt guest (domain) as Get-VMGuest shows it: a snapshot, read-only (change a guest with
/// Set-VMGuest; a settable property here would change nothing).
/// </summary>
public sealed class VMGuest
{
    public string Name { get; internal init; } = "";
    public Guid Uuid { get; internal init; }
    /// <summary>The running instance's id; null when shut off.</summary>
    public int? Id { get; internal init; }
    /// <summary>Running, Paused, ShutOff, ShuttingDown, Crashed, PMSuspended, Blocked, NoState.</summary>
    public string State { get; internal init; } = "";
    /// <summary>Why it is in that state (Booted, Destroyed, Saved, User ...), libvirt's reason.</summary>
    public string? StateReason { get; internal init; }
    /// <summary>KVM, QEMU, Xen, or libvirt's domain type for other drivers.</summary>
    public string Hypervisor { get; internal init; } = "";
    /// <summary>FV, PV or PVHVM.</summary>
    public string? Mode { get; internal init; }
    /// <summary>The memory the guest has now (&lt;currentMemory&gt;: while it runs, where the balloon is).</summary>
    public long MemoryBytes { get; internal init; }
    /// <summary>The most it can be given without a restart (&lt;memory&gt;).</summary>
    public long MaximumMemoryBytes { get; internal init; }
    /// <summary>The vCPUs it has now (&lt;vcpu current=...&gt;).</summary>
    public int ProcessorCount { get; internal init; }
    /// <summary>The most vCPUs it can be given without a restart (&lt;vcpu&gt;).</summary>
    public int MaximumProcessorCount { get; internal init; }
    /// <summary>Bios or Uefi; null for Xen PV (no firmware).</summary>
    public string? Firmware { get; internal init; }
    /// <summary>Disk and cdrom sources (files, volumes, block devices).</summary>
    public string[] Disks { get; internal init; } = Array.Empty<string>();
    /// <summary>"network:default", "bridge:br0", "direct:eth0" ...</summary>
    public string[] Interfaces { get; internal init; } = Array.Empty<string>();
    /// <summary>Each disk and cdrom drive with its target: "vda: /var/lib/libvirt/images/g.qcow2", "sda (cdrom): (empty)".</summary>
    public string[] DiskDrives { get; internal init; } = Array.Empty<string>();
    /// <summary>Each NIC with its MAC and model: "network:default 52:54:00:12:34:56 virtio".</summary>
    public string[] NetworkAdapters { get; internal init; } = Array.Empty<string>();
    /// <summary>PCI addresses of the passed-through devices.</summary>
    public string[] HostDevices { get; internal init; } = Array.Empty<string>();
    public bool Autostart { get; internal init; }
    public bool Persistent { get; internal init; }
    public string ConnectionUri { get; internal init; } = "";
    /// <summary>The definition's &lt;description&gt;; null when it has none.</summary>
    public string? Description { get; internal init; }

    public override string ToString() => Name;
}
