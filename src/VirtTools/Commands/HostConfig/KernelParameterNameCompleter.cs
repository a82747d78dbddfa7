using System.Management.Automation;
using VirtTools.Capability;
using VirtTools.HostConfig;

namespace VirtTools.Commands;

/// <summary>Completes the names of the configured and running kernel parameters, plus the IOMMU ones.</summary>
public sealed class KernelParameterNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
    {
        var names = new SortedSet<string>(CapabilityReader.IommuParameterNames, StringComparer.Ordinal);
        try
        {
            foreach (var p in new KernelParameterConfig(Host.HostContext.Current).Read(new List<string>())) names.Add(p.Name);
        }
        catch (VirtToolsException) { }
        catch (Host.HostIOException) { }
        return names.Where(n => n.StartsWith(wordToComplete ?? "", StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}
