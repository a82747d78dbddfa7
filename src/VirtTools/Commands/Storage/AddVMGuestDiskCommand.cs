using System.Management.Automation;
using VirtTools.Storage;

namespace VirtTools.Commands;

/// <summary>
/// Attaches an existing image or block device, or a new volume, to guests: hot-plugged into a running
/// guest and added to its definition, on the next free target of the bus as virt-install picks it.
/// </summary>
[Cmdlet(VerbsCommon.Add, "VMGuestDisk", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium,
    DefaultParameterSetName = "Path", HelpUri = VirtToolsCmdlet.HelpBase + "Add-VMGuestDisk.md")]
[OutputType(typeof(VMGuestDisk))]
public sealed class AddVMGuestDiskCommand : GuestDiskChangeCommandBase
{
    /// <summary>An existing image file or block device on the guest's host.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = "Path")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Create a new volume of this size (qcow2 in a directory pool) and attach it.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "New")]
    public long NewSizeBytes { get; set; }

    /// <summary>The pool for the new volume; default 'default'.</summary>
    [Parameter(ParameterSetName = "New")]
    [ValidateNotNullOrEmpty]
    public string StoragePool { get; set; } = "default";

    /// <summary>virtio (vdX), scsi or sata (sdX); default virtio, xen on Xen guests.</summary>
    [Parameter]
    [ValidateSet("virtio", "scsi", "sata")]
    public string? Bus { get; set; }

    [Parameter]
    public SwitchParameter ReadOnly { get; set; }

    /// <summary>Let several guests use the disk at once (a cluster file system's job to keep it sane).</summary>
    [Parameter]
    public SwitchParameter Shareable { get; set; }

    protected override void ProcessRecord()
    {
        var c = Connection();
        var request = new DiskAddRequest
        {
            Path = ParameterSetName == "Path" ? Path : null,
            NewSizeBytes = ParameterSetName == "New" ? NewSizeBytes : null,
            StoragePool = StoragePool,
            Bus = Bus?.ToLowerInvariant(),
            ReadOnly = ReadOnly,
            Shareable = Shareable,
        };
        var service = Service(c);
        ForEachGuest(c, Name, d => Run(d, c, service.PlanAdd(d, request, Scope)));
    }
}
