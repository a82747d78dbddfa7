using System.Management.Automation;
using VirtTools.Guests;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>
/// What every guest cmdlet shares: -ConnectionUri, one libvirt connection per URI for the whole
/// pipeline (opened once, or leased from the one Connect-VHSLibvirt keeps; closed, or the lease given
/// back, in EndProcessing, StopProcessing or Dispose), guest lookup by name with wildcards, and libvirt
/// errors as ErrorRecords.
/// </summary>
public abstract class GuestCmdletBase : VirtToolsCmdlet, IDisposable
{
    private readonly Dictionary<string, ILibvirtConnection> _connections = new(StringComparer.Ordinal);
    private string? _defaultUri;

    /// <summary>libvirt URI; default LIBVIRT_DEFAULT_URI, else xen:///system on a Xen Dom0, else qemu:///system.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Uri", "Connect")]
    [ValidateNotNullOrEmpty]
    public string? ConnectionUri { get; set; }

    /// <summary>
    /// <paramref name="names"/>, or null (every one) when they are only <paramref name="piped"/>'s URI. A listing
    /// cmdlet that takes names by value declares a hidden by-value parameter of the connection's type, so it
    /// knows when the record is a kept connection (Get-VHSLibvirtConnection | Get-VMGuest): the binder still
    /// coerces that object to its string for the name parameter, and its Uri binds -ConnectionUri by property
    /// name. A URI is never a valid guest, network or pool name (they hold no '/'), so nothing the user named
    /// is dropped.
    /// </summary>
    protected static string[]? NamesBesidesPipedConnection(string[]? names, LibvirtConnectionInfo? piped) =>
        piped is { } k && names is [var only] && only == k.Uri ? null : names;

    protected string DefaultUri => _defaultUri ??= LibvirtConnector.DefaultUri(HostContext.Files);

    /// <summary>The URI this record acts on: the bound (or piped) one, else the default.</summary>
    protected string CurrentUri => ConnectionUri ?? DefaultUri;

    protected override void BeginProcessing()
    {
        // Piped guests carry their own ConnectionUri; open eagerly only what is known now, so a
        // daemon that is down fails once, before any record.
        if (MyInvocation.BoundParameters.ContainsKey(nameof(ConnectionUri)) || !MyInvocation.ExpectingInput)
            _ = Connection(CurrentUri);
    }

    /// <summary>The pipeline's connection to <paramref name="uri"/>; a failure to connect ends the command.</summary>
    protected ILibvirtConnection Connection(string uri)
    {
        if (_connections.TryGetValue(uri, out var c)) return c;
        try { c = LibvirtConnector.Open(uri); }
        catch (LibvirtException e) { ThrowTerminatingError(e, uri); throw; }
        _connections[uri] = c;
        return c;
    }

    protected ILibvirtConnection Connection() => Connection(CurrentUri);

    /// <summary>
    /// The guests a name or pattern means. A plain name that does not exist is an error; a pattern that
    /// matches nothing is not (as with Get-Process).
    /// </summary>
    protected IEnumerable<ILibvirtDomain> Resolve(ILibvirtConnection c, string name)
    {
        if (WildcardPattern.ContainsWildcardCharacters(name))
        {
            var p = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var all = c.ListDomains();
            foreach (var d in all.OrderBy(d => d.Name, StringComparer.OrdinalIgnoreCase))
            {
                if (p.IsMatch(d.Name)) yield return d;
                else d.Dispose();
            }
            yield break;
        }
        if (FindGuest(c, name) is { } one) yield return one;
    }

    /// <summary>The guest named exactly <paramref name="name"/>, or null after a GuestNotFound error.</summary>
    protected ILibvirtDomain? FindGuest(ILibvirtConnection c, string name)
    {
        var one = c.FindDomain(name);
        if (one is null)
            WriteError(new VirtToolsException("GuestNotFound", FailureKind.ObjectNotFound, $"No guest named '{name}' on {c.Uri}.", name,
                $"Run Get-VMGuest -ConnectionUri {c.Uri} to list the guests."), name);
        return one;
    }

    /// <summary>
    /// Hands every guest the names (with wildcards) mean on <paramref name="c"/> to <paramref name="act"/>,
    /// disposing each after. A failure for one name or one guest is an error for that one only: the
    /// next may still succeed.
    /// </summary>
    protected void ForEachGuest(ILibvirtConnection c, IEnumerable<string> names, Action<ILibvirtDomain> act)
    {
        foreach (var n in GuestNames(names))
        {
            List<ILibvirtDomain> found;
            try { found = Resolve(c, n).ToList(); }
            catch (LibvirtException e) { WriteError(e, n); continue; }
            foreach (var d in found)
                using (d) Try(d.Name, () => act(d));
        }
    }

    /// <summary>The guest a piped non-guest object belongs to (<see cref="PipedGuestCmdletBase"/>); null when none was piped.</summary>
    protected virtual string? PipedGuest => null;

    /// <summary>The names to act on: the piped object's guest when it names one, else <paramref name="names"/>.</summary>
    protected IEnumerable<string> GuestNames(IEnumerable<string> names) => PipedGuest is { Length: > 0 } g ? new[] { g } : names;

    /// <summary>Runs an action whose VirtToolsException (libvirt's too) becomes an error for this object only.</summary>
    protected void Try(object target, Action action)
    {
        try { action(); }
        catch (VirtToolsException e) { WriteError(e, target); }
    }

    protected VMGuest ToGuest(ILibvirtDomain d, ILibvirtConnection c) => GuestReader.Read(d, c.Uri);

    protected void CloseConnections()
    {
        foreach (var c in _connections.Values) c.Dispose();
        _connections.Clear();
    }

    protected override void EndProcessing() => CloseConnections();
    protected override void StopProcessing() => CloseConnections();
    public void Dispose()
    {
        CloseConnections();
        GC.SuppressFinalize(this);
    }
}
