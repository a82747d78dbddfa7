using System.Management.Automation;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>Completes disk targets (vda, sdb ...) of the guests already named with -Name, on -ConnectionUri or the default.</summary>
public sealed class DiskTargetCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
    {
        var names = CompletionText.Bound(fakeBoundParameters, "Name");
        if (names.Length == 0) return Array.Empty<CompletionResult>();
        var uri = fakeBoundParameters[nameof(GuestCmdletBase.ConnectionUri)] as string
                  ?? LibvirtConnector.DefaultUri(Host.HostContext.Current.Files);
        var items = new List<(string Text, string Tip)>();
        var cdromOnly = commandName.EndsWith("DvdDrive", StringComparison.OrdinalIgnoreCase);
        try
        {
            using var c = LibvirtConnector.Open(uri);
            foreach (var name in names)
            {
                using var d = c.FindDomain(name);
                if (d is null) continue;
                foreach (var disk in GuestDiskCommandBase.ReadDisks(d, c.Uri))
                    if (!cdromOnly || disk.Device == "cdrom")
                        items.Add((disk.Target, $"{disk.Device} {disk.Source ?? "(empty)"}"));
            }
        }
        catch (LibvirtException) { return Array.Empty<CompletionResult>(); }
        return CompletionText.Results(items.DistinctBy(i => i.Text).OrderBy(i => i.Text, StringComparer.Ordinal), CompletionText.Word(wordToComplete));
    }
}
