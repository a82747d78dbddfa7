using System.Management.Automation;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>The snapshot and migration cmdlets: a guest cmdlet whose per-guest failures are non-terminating.</summary>
public abstract class GuestActionCmdlet : GuestCmdletBase
{
    /// <summary>Every guest the names (with wildcards) mean on <paramref name="c"/>.</summary>
    protected IEnumerable<ILibvirtDomain> ResolveGuests(ILibvirtConnection c, IEnumerable<string> names) =>
        names.SelectMany(n => Resolve(c, n));

    /// <summary>Runs an action whose VirtToolsException (libvirt's too) becomes an error for this object only.</summary>
    protected void Try(object target, Action action)
    {
        try { action(); }
        catch (VirtToolsException e) { WriteError(e, target); }
    }
}
