using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using VirtTools.Pci;

namespace VirtTools.Commands;

/// <summary>Completes -DeviceId with this host's device ids (within -VendorId when given), names as tooltips.</summary>
public sealed class DeviceIdCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var vendors = CompletionText.Bound(fakeBoundParameters, "VendorId")
            .Select(v => new WildcardPattern(PciIdText.NormalizeId(v) ?? "", WildcardOptions.IgnoreCase)).ToArray();
        return CompletionText.Results(HostDevices.Read()
            .Where(d => d.DeviceId is not null && (vendors.Length == 0 || vendors.Any(p => p.IsMatch(d.VendorId ?? ""))))
            .GroupBy(d => d.DeviceId!).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, string.Join("; ", g.Select(d => $"{d.VendorName} {d.DeviceName} [{d.VendorId}:{d.DeviceId}]").Distinct()))),
            PciIdText.NormalizeId(CompletionText.Word(wordToComplete)) ?? "");
    }
}
