using System.Management.Automation;
using VirtTools.HostConfig;

namespace VirtTools.Commands;

/// <summary>Completes loaded and installed module names.</summary>
public sealed class KernelModuleNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
    {
        IEnumerable<string> names;
        try { names = new KernelModuleReader(Host.HostContext.Current.Files).AllNames(); }
        catch (Host.HostIOException) { names = Array.Empty<string>(); }
        var w = (wordToComplete ?? "").Replace('-', '_');
        return names.Where(n => n.StartsWith(w, StringComparison.OrdinalIgnoreCase)).Take(200)
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}
