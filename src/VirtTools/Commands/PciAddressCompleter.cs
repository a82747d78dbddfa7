using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtTools.Host;
using VirtTools.Pci;

namespace VirtTools.Commands;

/// <summary>Completes PCI addresses from /sys/bus/pci/devices, with the driver as the tooltip.</summary>
public sealed class PciAddressCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = (wordToComplete ?? "").Trim('\'', '"');
        var pattern = new WildcardPattern(word + "*", WildcardOptions.IgnoreCase);
        var fs = HostContext.Current.Files;
        IEnumerable<PciAddress> all;
        try { all = new PciDeviceReader(fs).ListAddresses(); }
        catch (HostIOException) { yield break; }
        foreach (var a in all)
        {
            var text = a.ToString();
            // Also match what lspci prints (no domain), so "03:00" completes to 0000:03:00.0.
            if (!pattern.IsMatch(text) && !pattern.IsMatch(text[(text.IndexOf(':') + 1)..])) continue;
            var driver = HostPath.LinkName(fs, $"{PciDeviceReader.DevicesDir}/{text}/driver") ?? "no driver";
            yield return new CompletionResult(text, text, CompletionResultType.ParameterValue, $"{text} ({driver})");
        }
    }
}
