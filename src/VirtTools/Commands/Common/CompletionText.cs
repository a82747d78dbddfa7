using System.Collections;
using System.Management.Automation;

namespace VirtTools.Commands;

/// <summary>What every completer does with the word typed so far and the parameters already bound.</summary>
internal static class CompletionText
{
    /// <summary>The word without the quotes the user may have opened.</summary>
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
