using System.Management.Automation;
using VirtTools.Storage;

namespace VirtTools.Commands;

/// <summary>
/// Creates a storage pool: a directory, an LVM volume group (an existing one, or one built on -SourceDevice)
/// or a network file system libvirt mounts; defined, built, started and marked autostart.
/// </summary>
[Cmdlet(VerbsCommon.New, "VMStoragePool", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "New-VMStoragePool.md")]
[OutputType(typeof(VMStoragePool))]
public sealed class NewVMStoragePoolCommand : GuestCmdletBase
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>Dir (a directory of image files), Logical (an LVM volume group) or Netfs (NFS, CIFS or GlusterFS mounted by libvirt).</summary>
    [Parameter]
    public StoragePoolType Type { get; set; } = StoragePoolType.Dir;

    /// <summary>Dir: the directory, made when it does not exist. Netfs: the mount point. Not for Logical (/dev/VG).</summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Logical: the volume group (default: the pool's name).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? VolumeGroup { get; set; }

    /// <summary>Logical: empty block devices for a new volume group (libvirt runs pvcreate and vgcreate on them).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? SourceDevice { get; set; }

    /// <summary>Netfs: the file server.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SourceHost { get; set; }

    /// <summary>Netfs: the export (NFS, GlusterFS) or share (CIFS).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? SourcePath { get; set; }

    /// <summary>Netfs: the file system type libvirt mounts (default Nfs).</summary>
    [Parameter]
    public NetworkFileSystemFormat SourceFormat { get; set; } = NetworkFileSystemFormat.Nfs;

    /// <summary>Leave the pool without autostart (it then stays inactive after the host restarts).</summary>
    [Parameter]
    public SwitchParameter NoAutoStart { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var c = Connection();
        var service = new StoragePoolService(c, HostContext);
        var request = new StoragePoolRequest(Name, Type)
        {
            Path = Path, VolumeGroup = VolumeGroup, SourceDevices = SourceDevice ?? Array.Empty<string>(),
            SourceHost = SourceHost, SourcePath = SourcePath, SourceFormat = SourceFormat,
        };
        if (Type != StoragePoolType.Netfs && MyInvocation.BoundParameters.ContainsKey(nameof(SourceFormat)))
        {
            WriteError(new VirtToolsException(StoragePoolService.Ids.InvalidSource, FailureKind.InvalidArgument,
                $"-SourceFormat is the file system of a netfs pool; a {Type.ToString().ToLowerInvariant()} pool has none. Nothing was created.", Name,
                "Leave -SourceFormat out, or use -Type Netfs."), Name);
            return;
        }
        System.Xml.Linq.XElement xml;
        try { xml = service.Plan(request); }
        catch (VirtToolsException e) { WriteError(e, Name); return; }
        if (!ShouldProcess($"storage pool '{Name}' on {c.Uri}", Describe(xml))) return;
        Try(Name, () =>
        {
            var p = service.Create(xml, !NoAutoStart);
            if (PassThru) WriteObject(p);
        });
    }

    private string Describe(System.Xml.Linq.XElement xml)
    {
        var target = (string?)xml.Element("target")?.Element("path");
        var source = xml.Element("source");
        var devices = source?.Elements("device").Select(d => (string?)d.Attribute("path")).ToList() ?? new List<string?>();
        var what = Type switch
        {
            StoragePoolType.Logical when devices.Count > 0 =>
                $"Create volume group {(string?)source!.Element("name")} on {string.Join(", ", devices)} (pvcreate, vgcreate: what is on them is lost) as a logical pool",
            StoragePoolType.Logical => $"Create a logical pool on the existing volume group {(string?)source!.Element("name")}",
            StoragePoolType.Netfs => $"Create a netfs pool mounting {StoragePoolService.SourceText(source)} ({(string?)source!.Element("format")?.Attribute("type")}) on {target}",
            _ => $"Create a dir pool in {target}",
        };
        return what + (NoAutoStart ? "" : ", autostart");
    }
}
