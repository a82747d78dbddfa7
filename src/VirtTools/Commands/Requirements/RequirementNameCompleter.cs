using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtTools.Requirements;

namespace VirtTools.Commands;

/// <summary>Completes -Name with the check names of both sets.</summary>
public sealed class RequirementNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var prefix = CompletionText.Word(wordToComplete);
        return RequirementEvaluator.AllCheckNames
            .Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}
