using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtTools.Libvirt;
using VirtTools.Networking;

namespace VirtTools.Commands;

/// <summary>Completes the MACs of the guest(s) named by -Name (or of every guest), with guest, source and model as tooltip.</summary>
public sealed class MacAddressCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = CompletionText.Word(wordToComplete);
        var items = new List<(string Text, string Tip)>();
        try
        {
            var uri = fakeBoundParameters[nameof(GuestCmdletBase.ConnectionUri)] as string
                      ?? LibvirtConnector.DefaultUri(Host.HostContext.Current.Files);
            var names = CompletionText.Bound(fakeBoundParameters, "Name");
            var patterns = (names.Length > 0 ? names : new[] { "*" }).Select(n => new WildcardPattern(n, WildcardOptions.IgnoreCase)).ToList();
            using var c = LibvirtConnector.Open(uri);
            foreach (var d in c.ListDomains())
                using (d)
                {
                    if (!patterns.Any(p => p.IsMatch(d.Name))) continue;
                    var flags = d.IsActive ? DomainXmlFlags.None : DomainXmlFlags.Inactive;
                    foreach (var nic in GuestNicReader.Read(d.GetXml(flags)))
                        if (nic.MacAddress is { } mac)
                            items.Add((mac, $"{d.Name}: {(nic.Source is null ? nic.Type : $"{nic.Type}:{nic.Source}")} {nic.Model} {nic.LinkState}".TrimEnd()));
                }
        }
        catch (Exception e) when (e is VirtToolsException or Host.HostIOException or DllNotFoundException)
        {
            // completion must never throw at the prompt
        }
        return CompletionText.Results(items.DistinctBy(i => i.Text).OrderBy(i => i.Text, StringComparer.Ordinal), word);
    }
}
