using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>Completes storage pool names of the connection (-ConnectionUri if typed), with type and state as tooltip.</summary>
public sealed class StoragePoolNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        StorageCompletion.Of(fakeBoundParameters, wordToComplete, c =>
            c.ListStoragePools().Select(p => { using (p) return (p.Name, p.IsActive ? "active" : "inactive"); }).ToList());
}

/// <summary>Completes the volume names of the pool given by -StoragePool, with the path as tooltip.</summary>
public sealed class StorageVolumeNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        StorageCompletion.Of(fakeBoundParameters, wordToComplete, c =>
        {
            var items = new List<(string, string)>();
            foreach (var name in CompletionText.Bound(fakeBoundParameters, "StoragePool"))
            {
                using var p = c.FindStoragePool(name);
                if (p is not { IsActive: true }) continue;
                foreach (var v in p.ListVolumes())
                    using (v) items.Add((v.Name, v.Path));
            }
            return items;
        });
}

internal static class StorageCompletion
{
    public static IEnumerable<CompletionResult> Of(IDictionary fakeBoundParameters, string wordToComplete, Func<ILibvirtConnection, List<(string Text, string Tip)>> list)
    {
        var items = new List<(string Text, string Tip)>();
        try
        {
            var uri = fakeBoundParameters[nameof(GuestCmdletBase.ConnectionUri)] as string
                      ?? LibvirtConnector.DefaultUri(Host.HostContext.Current.Files);
            using var c = LibvirtConnector.Open(uri);
            items = list(c);
        }
        catch (Exception e) when (e is VirtToolsException or Host.HostIOException or DllNotFoundException)
        {
            // completion must never throw at the prompt
        }
        return CompletionText.Results(items.OrderBy(i => i.Text, StringComparer.Ordinal), CompletionText.Word(wordToComplete));
    }
}
