namespace VirtTools;

/// <summary>
/// One disk, cdrom or floppy of a guest as Get-VMGuestDisk shows it: a snapshot, read-only. It pipes
/// into Resize-/Remove-VMGuestDisk by GuestName, Target and ConnectionUri.
/// </summary>
public sealed class VMGuestDisk
{
    /// <summary>The guest's name (not Name: a disk piped to a guest cmdlet must not pass for a guest).</summary>
    public string GuestName { get; internal init; } = "";
    /// <summary>The device name the guest is given: vda, sdb, hdc, xvda ... (its order, not what the guest OS calls it).</summary>
    public string Target { get; internal init; } = "";
    /// <summary>virtio, scsi, sata, ide, usb, xen, fdc; null when libvirt has not chosen one.</summary>
    public string? Bus { get; internal init; }
    /// <summary>disk, cdrom, floppy or lun.</summary>
    public string Device { get; internal init; } = "disk";
    /// <summary>file, block, volume, network, nvme, vhostuser, dir.</summary>
    public string SourceType { get; internal init; } = "file";
    /// <summary>
    /// The path (file, block device, vhost-user socket), pool/volume, protocol://host/name of a network
    /// disk, nvme://PCI-address/namespace; null for an empty drive.
    /// </summary>
    public string? Source { get; internal init; }
    /// <summary>The storage pool of a type='volume' disk.</summary>
    public string? Pool { get; internal init; }
    /// <summary>The image format libvirt is told (qcow2, raw ...); null when it probes or the drive is empty.</summary>
    public string? Format { get; internal init; }
    /// <summary>
    /// The images under this one, nearest first: an overlay's base image (and that image's own backing
    /// files). Empty for a disk that stands alone. From the running guest's XML, else the pool's volume.
    /// </summary>
    public IReadOnlyList<string> BackingChain { get; internal set; } = Array.Empty<string>();
    /// <summary>The image this one is an overlay of (the first of <see cref="BackingChain"/>); null when none.</summary>
    public string? BackingFile => BackingChain.Count > 0 ? BackingChain[0] : null;
    public bool ReadOnly { get; internal init; }
    public bool Shareable { get; internal init; }
    /// <summary>The disk's own boot order (&lt;boot order=N/&gt;); null when it has none.</summary>
    public int? BootOrder { get; internal init; }
    /// <summary>The disk the guest boots from: the lowest boot order, else (boot dev='hd') its first disk.</summary>
    public bool IsBootDisk { get; internal init; }
    /// <summary>Read from the running guest (true) or from its definition (false: the guest is shut off).</summary>
    public bool Live { get; internal init; }
    public string ConnectionUri { get; internal init; } = "";

    public override string ToString() => $"{GuestName}:{Target}";
}
