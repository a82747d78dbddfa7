using System.Management.Automation;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>
/// Base of the snapshot and migration cmdlets: -ConnectionUri (bound from VMGuest and VMGuestSnapshot
/// objects too) and one libvirt connection per URI for the whole pipeline, not one per object.
/// </summary>
public abstract class GuestConnectionCmdlet : VirtToolsCmdlet, IDisposable
{
    private readonly Dictionary<string, ILibvirtConnection> _connections = new(StringComparer.Ordinal);

    /// <summary>The libvirt URI; default LIBVIRT_DEFAULT_URI, else xen:///system on a Xen Dom0, else qemu:///system.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? ConnectionUri { get; set; }

    protected string EffectiveUri(string? uri = null) =>
        uri ?? ConnectionUri ?? LibvirtConnector.DefaultUri(HostContext.Files);

    /// <summary>Opens (once per pipeline) the connection; a failure is terminating: nothing can work without it.</summary>
    protected ILibvirtConnection Connect(string? uri = null)
    {
        var u = EffectiveUri(uri);
        if (_connections.TryGetValue(u, out var c)) return c;
        try { c = LibvirtConnector.Open(u); }
        catch (VirtToolsException e) { ThrowTerminatingError(e, u); throw; }
        _connections[u] = c;
        return c;
    }

    /// <summary>Names with wildcards resolved against the connection's guests; a literal name that matches none is an error.</summary>
    protected IEnumerable<ILibvirtDomain> ResolveGuests(ILibvirtConnection c, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                var p = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                foreach (var d in c.ListDomains().OrderBy(d => d.Name, StringComparer.Ordinal))
                {
                    if (p.IsMatch(d.Name)) yield return d;
                    else d.Dispose();
                }
                continue;
            }
            var one = c.FindDomain(name);
            if (one is null)
            {
                WriteError(new VirtToolsException("GuestNotFound", FailureKind.ObjectNotFound,
                    $"No guest named '{name}' at {c.Uri}.", name, "Run Get-VMGuest to see the guests of this connection, or pass -ConnectionUri."));
                continue;
            }
            yield return one;
        }
    }

    /// <summary>Runs an action whose VirtToolsException (libvirt's too) becomes a non-terminating error for this object.</summary>
    protected void Try(object target, Action action)
    {
        try { action(); }
        catch (VirtToolsException e) { WriteError(e, target); }
    }

    public virtual void Dispose()
    {
        foreach (var c in _connections.Values) c.Dispose();
        _connections.Clear();
        GC.SuppressFinalize(this);
    }
}
