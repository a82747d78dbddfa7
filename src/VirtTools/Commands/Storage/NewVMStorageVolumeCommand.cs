using System.Management.Automation;
using VirtTools.Storage;

namespace VirtTools.Commands;

/// <summary>Creates a qcow2 or raw volume in a storage pool (virsh vol-create-as).</summary>
[Cmdlet(VerbsCommon.New, "VMStorageVolume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, HelpUri = VirtToolsCmdlet.HelpBase + "New-VMStorageVolume.md")]
[OutputType(typeof(VMStorageVolume))]
public sealed class NewVMStorageVolumeCommand : GuestCmdletBase
{
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("Pool")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(StoragePoolNameCompleter))]
    public string StoragePool { get; set; } = "";

    /// <summary>The volume's name: its file name in a dir pool.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 2)]
    public long SizeBytes { get; set; }

    /// <summary>Qcow2 or Raw; left out: qcow2 in a pool of files (dir, netfs), raw in a logical pool.</summary>
    [Parameter]
    public VolumeFormat? Format { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var c = Connection();
        var service = new StorageVolumeService(c);
        Try(Name, () =>
        {
            using var p = service.ActivePool(StoragePool);
            var xml = service.Plan(p, Name, SizeBytes, Format);
            if (!ShouldProcess($"volume '{Name}' in storage pool '{StoragePool}' on {c.Uri}", $"Create a {SizeBytes}-byte {xml.Element("target")?.Element("format")?.Attribute("type")?.Value} volume")) return;
            var v = service.Create(p, xml);
            if (PassThru) WriteObject(v);
        });
    }
}
