using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtTools.Host;
using VirtTools.Vfio;

namespace VirtTools.Commands;

/// <summary>Completes -Driver with the drivers registered on this host or bound to one of its functions.</summary>
public sealed class PciDriverCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var bound = HostDevices.Read().Where(d => d.Driver is not null).GroupBy(d => d.Driver!)
            .ToDictionary(g => g.Key, g => g.Select(d => d.Address).ToList(), StringComparer.Ordinal);
        var names = new SortedSet<string>(bound.Keys, StringComparer.Ordinal);
        try { foreach (var n in HostContext.Current.Files.List(VfioBinder.DriversDir)) names.Add(n); }
        catch (HostIOException) { }
        return CompletionText.Results(names.Select(n => (n, bound.TryGetValue(n, out var a)
            ? $"{n}: bound to {string.Join(", ", a.Take(4))}{(a.Count > 4 ? $" and {a.Count - 4} more" : "")}"
            : $"{n}: registered, no function bound")), CompletionText.Word(wordToComplete));
    }
}
