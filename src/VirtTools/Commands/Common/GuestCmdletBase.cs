using System.Management.Automation;
using VirtTools.Guests;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>
/// What every guest cmdlet shares: -ConnectionUri, one libvirt connection per URI for the whole
/// pipeline (opened once, closed in EndProcessing, StopProcessing or Dispose), guest lookup by name
/// with wildcards, and libvirt errors as ErrorRecords.
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
        var one = c.FindDomain(name);
        if (one is null)
        {
            WriteError(new VirtToolsException("GuestNotFound", FailureKind.ObjectNotFound, $"No guest named '{name}' on {c.Uri}.", name,
                $"Run Get-VMGuest -ConnectionUri {c.Uri} to list the guests."), name);
            yield break;
        }
        yield return one;
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

/// <summary>Completes guest names from the default connection (or the -ConnectionUri already typed).</summary>
public sealed class VMGuestNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
    {
        var uri = fakeBoundParameters[nameof(GuestCmdletBase.ConnectionUri)] as string
                  ?? LibvirtConnector.DefaultUri(Host.HostContext.Current.Files);
        var names = new List<string>();
        try
        {
            using var c = LibvirtConnector.Open(uri);
            foreach (var d in c.ListDomains()) using (d) names.Add(d.Name);
        }
        catch (LibvirtException) { return Array.Empty<CompletionResult>(); }
        var word = (wordToComplete ?? "").Trim('\'', '"');
        return names.Where(n => n.StartsWith(word, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.OrdinalIgnoreCase)
            .Select(n => new CompletionResult(n.Contains(' ') ? $"'{n}'" : n, n, CompletionResultType.ParameterValue, n));
    }
}
