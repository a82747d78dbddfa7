using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>Completes libvirt network names of the connection (-ConnectionUri if typed), active or not as tooltip.</summary>
public sealed class NetworkNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var items = new List<(string Text, string Tip)>();
        try
        {
            var uri = fakeBoundParameters[nameof(GuestCmdletBase.ConnectionUri)] as string
                      ?? LibvirtConnector.DefaultUri(Host.HostContext.Current.Files);
            using var c = LibvirtConnector.Open(uri);
            foreach (var n in c.ListNetworks())
                using (n) items.Add((n.Name, n.IsActive ? "active" : "inactive"));
        }
        catch (Exception e) when (e is VirtToolsException or Host.HostIOException or DllNotFoundException)
        {
            // completion must never throw at the prompt
        }
        return CompletionText.Results(items.OrderBy(i => i.Text, StringComparer.Ordinal), CompletionText.Word(wordToComplete));
    }
}
