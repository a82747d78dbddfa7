using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtTools.Pci;

namespace VirtTools.Commands;

/// <summary>Completes -Class with the friendly class names.</summary>
public sealed class PciClassCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = CompletionText.Word(wordToComplete);
        foreach (var (name, _, description) in PciClassFilter.Names)
            if (name.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                yield return new CompletionResult(name, name, CompletionResultType.ParameterValue, description);
    }
}
