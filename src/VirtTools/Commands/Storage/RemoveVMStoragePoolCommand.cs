using System.Management.Automation;
using VirtTools.Storage;

namespace VirtTools.Commands;

/// <summary>Stops and undefines storage pools; refuses one whose volumes guests use, naming them.</summary>
[Cmdlet(VerbsCommon.Remove, "VMStoragePool", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, HelpUri = VirtToolsCmdlet.HelpBase + "Remove-VMStoragePool.md")]
[OutputType(typeof(VMStoragePool))]
public sealed class RemoveVMStoragePoolCommand : StoragePoolCmdletBase
{
    /// <summary>Pool names; wildcards.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(StoragePoolNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    /// <summary>Also delete its volumes and its directory.</summary>
    [Parameter]
    public SwitchParameter DeleteContents { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var c = Connection();
        var service = new StoragePoolService(c, HostContext);
        ForEachPool(c, Name, p =>
        {
            var before = StoragePoolService.Read(p, c.Uri);
            var what = DeleteContents ? $"Delete every volume and the directory {before.Path}, and remove the pool" : "Remove the pool (its files stay)";
            if (!ShouldProcess($"storage pool '{p.Name}' on {c.Uri}", what)) return;
            service.Remove(p, DeleteContents);
            if (PassThru) WriteObject(before);
        });
    }
}
