using System.Management.Automation;
using VirtTools.Storage;

namespace VirtTools.Commands;

/// <summary>Deletes volumes from a storage pool; one a guest uses is refused, naming the guest.</summary>
[Cmdlet(VerbsCommon.Remove, "VMStorageVolume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, HelpUri = VirtToolsCmdlet.HelpBase + "Remove-VMStorageVolume.md")]
[OutputType(typeof(VMStorageVolume))]
public sealed class RemoveVMStorageVolumeCommand : GuestCmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Pool")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(StoragePoolNameCompleter))]
    public string StoragePool { get; set; } = "";

    /// <summary>Volume names; wildcards.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(StorageVolumeNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var c = Connection();
        var service = new StorageVolumeService(c);
        Libvirt.ILibvirtStoragePool p;
        try { p = service.ActivePool(StoragePool); }
        catch (VirtToolsException e) { WriteError(e, StoragePool); return; }
        using (p)
        {
            var users = StorageUsers.Read(c);
            foreach (var pattern in Name)
            {
                var vols = p.ListVolumes();
                try
                {
                    var wp = new WildcardPattern(pattern, WildcardOptions.IgnoreCase);
                    var hits = vols.Where(v => wp.IsMatch(v.Name)).OrderBy(v => v.Name, StringComparer.OrdinalIgnoreCase).ToList();
                    if (hits.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
                        WriteError(new VirtToolsException(StorageVolumeService.Ids.NotFound, FailureKind.ObjectNotFound,
                            $"Pool '{p.Name}' on {c.Uri} has no volume named '{pattern}'.", pattern, $"Run Get-VMStorageVolume {p.Name} to list its volumes."), pattern);
                    foreach (var v in hits)
                        Try(v.Name, () =>
                        {
                            if (!ShouldProcess($"volume '{v.Name}' ({v.Path}) in storage pool '{p.Name}' on {c.Uri}", "Delete")) return;
                            var before = PassThru ? StorageVolumeService.Read(v, p.Name, users, c.Uri) : null;
                            service.Remove(p, v);
                            if (before is not null) WriteObject(before);
                        });
                }
                finally { foreach (var v in vols) v.Dispose(); }
            }
        }
    }
}
