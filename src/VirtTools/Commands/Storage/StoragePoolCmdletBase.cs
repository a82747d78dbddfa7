using System.Management.Automation;
using VirtTools.Libvirt;
using VirtTools.Storage;

namespace VirtTools.Commands;

/// <summary>What the storage pool and volume cmdlets share: pools by name with wildcards, each disposed after its action.</summary>
public abstract class StoragePoolCmdletBase : GuestCmdletBase
{
    /// <summary>
    /// Hands every pool a name or pattern means to <paramref name="act"/>. A plain name that does not
    /// exist is an error; a pattern that matches nothing is not.
    /// </summary>
    protected void ForEachPool(ILibvirtConnection c, IEnumerable<string> names, Action<ILibvirtStoragePool> act)
    {
        foreach (var pattern in names)
        {
            List<ILibvirtStoragePool> hits;
            try
            {
                if (WildcardPattern.ContainsWildcardCharacters(pattern))
                {
                    var p = new WildcardPattern(pattern, WildcardOptions.IgnoreCase);
                    hits = new List<ILibvirtStoragePool>();
                    foreach (var pool in c.ListStoragePools().OrderBy(x => x.Name, StringComparer.OrdinalIgnoreCase))
                        if (p.IsMatch(pool.Name)) hits.Add(pool);
                        else pool.Dispose();
                }
                else if (c.FindStoragePool(pattern) is { } one) hits = new List<ILibvirtStoragePool> { one };
                else { WriteError(StoragePoolService.NotFound(c, pattern), pattern); continue; }
            }
            catch (LibvirtException e) { WriteError(e, pattern); continue; }
            foreach (var pool in hits)
                using (pool) Try(pool.Name, () => act(pool));
        }
    }
}
