using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace VirtTools.Commands;

/// <summary>Completes Get-IommuGroup -Number with the groups of this host, members as tooltips.</summary>
public sealed class IommuGroupNumberCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var byGroup = HostDevices.Read().Where(d => d.IommuGroup is not null).GroupBy(d => d.IommuGroup!.Value).OrderBy(g => g.Key);
        return CompletionText.Results(byGroup.Select(g => (g.Key.ToString(CultureInfo.InvariantCulture),
            string.Join(", ", g.Select(d => d.Driver is null ? $"{d.Address} {d.ClassName}" : $"{d.Address} {d.ClassName} ({d.Driver})")))),
            CompletionText.Word(wordToComplete));
    }
}
