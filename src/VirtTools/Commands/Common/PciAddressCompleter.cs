using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtTools.Host;
using VirtTools.Pci;

namespace VirtTools.Commands;

/// <summary>
/// Completes PCI addresses of the current host root, with vendor and device names as tooltips.
/// Usable on any -Address parameter: [ArgumentCompleter(typeof(PciAddressCompleter))].
/// </summary>
public class PciAddressCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = CompletionText.Word(wordToComplete);
        var results = new List<CompletionResult>();
        PciDeviceReader reader;
        IEnumerable<PciAddress> addresses;
        IHostFileSystem files;
        try
        {
            files = HostContext.Current.Files;
            reader = new PciDeviceReader(files);
            addresses = reader.ListAddresses();
        }
        catch (Exception e) when (e is HostIOException or VirtToolsException)
        {
            return results; // completion must never throw at the prompt
        }
        var pattern = word.Length == 0 ? null : new WildcardPattern(word + "*", WildcardOptions.IgnoreCase);
        foreach (var a in addresses)
        {
            var s = a.ToString();
            if (pattern is not null && !pattern.IsMatch(s) && !(a.Domain == 0 && pattern.IsMatch(s[5..]))) continue;
            if (!Include(files, a)) continue;
            var d = reader.Read(a);
            var tip = $"{d.ClassName}: {d.VendorName} {d.DeviceName}" + (d.Driver is null ? "" : $" ({d.Driver})");
            results.Add(new CompletionResult(s, s, CompletionResultType.ParameterValue, tip));
        }
        return results;
    }

    /// <summary>Which addresses to offer; all by default.</summary>
    protected virtual bool Include(IHostFileSystem files, PciAddress address) => true;
}
