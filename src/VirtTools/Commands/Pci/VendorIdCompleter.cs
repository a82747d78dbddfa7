using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtTools.Pci;

namespace VirtTools.Commands;

/// <summary>Completes -VendorId with the vendors of this host's functions, names as tooltips.</summary>
public sealed class VendorIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        CompletionText.Results(HostDevices.Read().Where(d => d.VendorId is not null)
            .GroupBy(d => d.VendorId!).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, $"{g.First().VendorName} ({g.Count()} function{(g.Count() == 1 ? "" : "s")})")),
            PciIdText.NormalizeId(CompletionText.Word(wordToComplete)) ?? "");
}
