using System.Management.Automation;
using VirtTools.Storage;

namespace VirtTools.Commands;

/// <summary>Lists libvirt storage pools: type, state, autostart, path, capacity, allocation, available.</summary>
[Cmdlet(VerbsCommon.Get, "VMStoragePool", HelpUri = VirtToolsCmdlet.HelpBase + "Get-VMStoragePool.md")]
[OutputType(typeof(VMStoragePool))]
public sealed class GetVMStoragePoolCommand : StoragePoolCmdletBase
{
    /// <summary>Pool names; wildcards. Default: every pool.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(StoragePoolNameCompleter))]
    public string[]? Name { get; set; }

    /// <summary>A piped kept connection (Get-VHSLibvirtConnection | ...): its Uri is -ConnectionUri; it names nothing (NamesBesidesPipedConnection).</summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public LibvirtConnectionInfo? KeptConnection { get; set; }

    protected override void ProcessRecord()
    {
        Name = NamesBesidesPipedConnection(Name, KeptConnection);
        var c = Connection();
        ForEachPool(c, Name is { Length: > 0 } ? Name : new[] { "*" }, p => WriteObject(StoragePoolService.Read(p, c.Uri)));
    }
}
