using System.Management.Automation;
using VirtTools.Vfio;

namespace VirtTools.Commands;

/// <summary>Offers the pass-through drivers this host has registered, plus vfio-pci.</summary>
public sealed class PassthroughDriverCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal) { VfioDrivers.Default };
        foreach (var d in Host.HostContext.Current.Files.List(VfioBinder.DriversDir))
            if (VfioDrivers.IsPassthrough(d)) names.Add(d);
        return names.Where(n => n.StartsWith(wordToComplete ?? "", StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}
