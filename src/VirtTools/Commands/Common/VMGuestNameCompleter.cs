using System.Management.Automation;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

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
        var word = CompletionText.Word(wordToComplete);
        return names.Where(n => n.StartsWith(word, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.OrdinalIgnoreCase)
            .Select(n => new CompletionResult(n.Contains(' ') ? $"'{n}'" : n, n, CompletionResultType.ParameterValue, n));
    }
}
