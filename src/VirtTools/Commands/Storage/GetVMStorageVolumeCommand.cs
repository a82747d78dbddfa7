using System.Management.Automation;
using VirtTools.Storage;

namespace VirtTools.Commands;

/// <summary>Lists the volumes of storage pools: path, format, capacity, allocation, backing file and the guests that use each.</summary>
[Cmdlet(VerbsCommon.Get, "VMStorageVolume", HelpUri = VirtToolsCmdlet.HelpBase + "Get-VMStorageVolume.md")]
[OutputType(typeof(VMStorageVolume))]
public sealed class GetVMStorageVolumeCommand : StoragePoolCmdletBase
{
    /// <summary>Pool names; wildcards. A pool object from Get-VMStoragePool binds by value.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [Alias("Pool")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(StoragePoolNameCompleter))]
    public string[] StoragePool { get; set; } = Array.Empty<string>();

    /// <summary>Volume names; wildcards. Default: every volume.</summary>
    [Parameter(Position = 1)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(StorageVolumeNameCompleter))]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        var c = Connection();
        StorageUsers? users = null;
        ForEachPool(c, StoragePool, p =>
        {
            if (!p.IsActive)
            {
                if (!WildcardPattern.ContainsWildcardCharacters(p.Name) && StoragePool.Contains(p.Name, StringComparer.Ordinal))
                    WriteError(new VirtToolsException(StorageVolumeService.Ids.PoolNotActive, FailureKind.InvalidOperation,
                        $"Storage pool '{p.Name}' on {c.Uri} is not active: its volumes cannot be listed.", p.Name, $"Start it: virsh pool-start {p.Name}"), p.Name);
                return;
            }
            users ??= StorageUsers.Read(c);
            var vols = p.ListVolumes();
            try
            {
                var sorted = vols.OrderBy(v => v.Name, StringComparer.OrdinalIgnoreCase).ToList();
                foreach (var pattern in Name is { Length: > 0 } ? Name : new[] { "*" })
                {
                    var wp = new WildcardPattern(pattern, WildcardOptions.IgnoreCase);
                    var hits = sorted.Where(v => wp.IsMatch(v.Name)).ToList();
                    if (hits.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(pattern))
                        WriteError(new VirtToolsException(StorageVolumeService.Ids.NotFound, FailureKind.ObjectNotFound,
                            $"Pool '{p.Name}' on {c.Uri} has no volume named '{pattern}'.", pattern, $"Run Get-VMStorageVolume {p.Name} to list its volumes."), pattern);
                    foreach (var v in hits) Try(v.Name, () => WriteObject(StorageVolumeService.Read(v, p.Name, users, c.Uri)));
                }
            }
            finally { foreach (var v in vols) v.Dispose(); }
        });
    }
}
