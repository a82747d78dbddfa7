using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtTools.Host;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>Completes snapshot names of the guest named by -Name (or of every guest), with the guest and time as tooltip.</summary>
public sealed class SnapshotNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var results = new List<CompletionResult>();
        var word = CompletionText.Word(wordToComplete);
        try
        {
            var uri = fakeBoundParameters["ConnectionUri"] as string ?? LibvirtConnector.DefaultUri(HostContext.Current.Files);
            var guest = fakeBoundParameters["Name"] switch { string s => s, object[] a when a.Length > 0 => a[0]?.ToString(), _ => null };
            using var c = LibvirtConnector.Open(uri);
            var svc = new Snapshots.SnapshotService(c);
            var guests = guest is null ? c.ListDomains() : (c.FindDomain(guest) is { } g ? new[] { g } : Array.Empty<ILibvirtDomain>());
            foreach (var d in guests)
            {
                using (d)
                    foreach (var s in svc.List(d).Where(s => s.Name.StartsWith(word, StringComparison.OrdinalIgnoreCase)))
                    {
                        var text = s.Name.Contains(' ') ? $"'{s.Name}'" : s.Name;
                        results.Add(new CompletionResult(text, s.Name, CompletionResultType.ParameterValue, $"{s.Guest}: {s.CreationTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture)} {(s.State == "shutoff" ? "shut off" : s.State)}"));
                    }
            }
        }
        catch (Exception e) when (e is VirtToolsException or HostIOException or DllNotFoundException)
        {
            // completion must never throw at the prompt
        }
        return results;
    }
}
