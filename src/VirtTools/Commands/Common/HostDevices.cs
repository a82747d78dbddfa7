using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtTools.Host;
using VirtTools.Pci;
using VirtTools.Vfio;

namespace VirtTools.Commands;

/// <summary>What the completers share: the devices of the current host root, never an exception at the prompt.</summary>
internal static class HostDevices
{
    public static List<PciDevice> Read()
    {
        try { return new PciDeviceReader(HostContext.Current.Files).ReadAll().ToList(); }
        catch (Exception e) when (e is HostIOException or VirtToolsException) { return new List<PciDevice>(); }
    }

    public static string Word(string? wordToComplete) => (wordToComplete ?? "").Trim('\'', '"');

    public static IEnumerable<CompletionResult> Results(IEnumerable<(string Text, string Tip)> items, string word) =>
        items.Where(i => i.Text.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .Select(i => new CompletionResult(i.Text, i.Text, CompletionResultType.ParameterValue, i.Tip));

    /// <summary>The values already typed for a parameter (one string, or an array of them).</summary>
    public static string[] Bound(IDictionary fakeBoundParameters, string name) => fakeBoundParameters?[name] switch
    {
        string s => new[] { s },
        IEnumerable e => e.Cast<object>().Select(o => o?.ToString() ?? "").ToArray(),
        _ => Array.Empty<string>(),
    };
}

/// <summary>Completes -Driver with the drivers registered on this host or bound to one of its functions.</summary>
public sealed class PciDriverCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var bound = HostDevices.Read().Where(d => d.Driver is not null).GroupBy(d => d.Driver!)
            .ToDictionary(g => g.Key, g => g.Select(d => d.Address).ToList(), StringComparer.Ordinal);
        var names = new SortedSet<string>(bound.Keys, StringComparer.Ordinal);
        try { foreach (var n in HostContext.Current.Files.List(VfioBinder.DriversDir)) names.Add(n); }
        catch (HostIOException) { }
        return HostDevices.Results(names.Select(n => (n, bound.TryGetValue(n, out var a)
            ? $"{n}: bound to {string.Join(", ", a.Take(4))}{(a.Count > 4 ? $" and {a.Count - 4} more" : "")}"
            : $"{n}: registered, no function bound")), HostDevices.Word(wordToComplete));
    }
}

/// <summary>Completes -VendorId with the vendors of this host's functions, names as tooltips.</summary>
public sealed class VendorIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters) =>
        HostDevices.Results(HostDevices.Read().Where(d => d.VendorId is not null)
            .GroupBy(d => d.VendorId!).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, $"{g.First().VendorName} ({g.Count()} function{(g.Count() == 1 ? "" : "s")})")),
            PciIdText.NormalizeId(HostDevices.Word(wordToComplete)) ?? "");
}

/// <summary>Completes -DeviceId with this host's device ids (within -VendorId when given), names as tooltips.</summary>
public sealed class DeviceIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var vendors = HostDevices.Bound(fakeBoundParameters, "VendorId")
            .Select(v => new WildcardPattern(PciIdText.NormalizeId(v) ?? "", WildcardOptions.IgnoreCase)).ToArray();
        return HostDevices.Results(HostDevices.Read()
            .Where(d => d.DeviceId is not null && (vendors.Length == 0 || vendors.Any(p => p.IsMatch(d.VendorId ?? ""))))
            .GroupBy(d => d.DeviceId!).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, string.Join("; ", g.Select(d => $"{d.VendorName} {d.DeviceName} [{d.VendorId}:{d.DeviceId}]").Distinct()))),
            PciIdText.NormalizeId(HostDevices.Word(wordToComplete)) ?? "");
    }
}

/// <summary>Completes Get-IommuGroup -Number with the groups of this host, members as tooltips.</summary>
public sealed class IommuGroupNumberCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var byGroup = HostDevices.Read().Where(d => d.IommuGroup is not null).GroupBy(d => d.IommuGroup!.Value).OrderBy(g => g.Key);
        return HostDevices.Results(byGroup.Select(g => (g.Key.ToString(CultureInfo.InvariantCulture),
            string.Join(", ", g.Select(d => d.Driver is null ? $"{d.Address} {d.ClassName}" : $"{d.Address} {d.ClassName} ({d.Driver})")))),
            HostDevices.Word(wordToComplete));
    }
}
