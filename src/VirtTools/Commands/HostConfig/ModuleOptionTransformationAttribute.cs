using System.Collections;
using System.Globalization;
using System.Management.Automation;

namespace VirtTools.Commands;

/// <summary>
/// Lets -Option take what a PowerShell user writes for name/value pairs, @{ nested = 1 } or
/// [ordered]@{ ... }, as NAME=VALUE strings; without it the hashtable became the text
/// "System.Collections.Hashtable" and was refused as an option of that name. A boolean value is 1 or 0
/// (what the kernel's bool parameters read; "True" is not one of them).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ModuleOptionTransformationAttribute : ArgumentTransformationAttribute
{
    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var items = Unwrap(inputData) switch
        {
            IDictionary d => Pairs(d),
            string s => new object?[] { s },
            IEnumerable e => e.Cast<object?>().SelectMany(i => Unwrap(i) is IDictionary d ? Pairs(d) : new[] { Unwrap(i) }),
            var other => new[] { other },
        };
        return items.Select(i => i switch
        {
            null => "",
            string s => s,
            // Anything else would reach the command as its type name, which no one typed.
            IDictionary or IEnumerable => throw new ArgumentTransformationMetadataException(
                $"-Option takes NAME=VALUE strings or a hashtable of names and values (@{{ nested = 1 }}), not a {i.GetType().Name}."),
            _ => Text(i),
        }).ToArray();
    }

    private static object? Unwrap(object? o) => o is PSObject p ? p.BaseObject : o;

    private static IEnumerable<object?> Pairs(IDictionary d)
    {
        // A plain hashtable has no order: sorted, so the modprobe line and -WhatIf read the same each run.
        var entries = d.Cast<DictionaryEntry>();
        if (d is Hashtable) entries = entries.OrderBy(e => Text(Unwrap(e.Key)), StringComparer.Ordinal);
        return entries.Select(e => (object?)$"{Text(Unwrap(e.Key))}={Text(Unwrap(e.Value))}");
    }

    private static string Text(object? value) => value switch
    {
        null => "",
        bool b => b ? "1" : "0",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
