using System.Management.Automation;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>What Get-VHSLibvirtConnection and Disconnect-VHSLibvirt share: -ConnectionUri over the kept URIs.</summary>
public abstract class KeptUriCmdletBase : VirtToolsCmdlet
{
    public const string NotKeptId = "LibvirtConnectionNotKept";

    /// <summary>Kept URIs; wildcards (*). Piped objects bind by their Uri or ConnectionUri property.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Uri", "Connect")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KeptUriCompleter))]
    public string[]? ConnectionUri { get; set; }

    /// <summary>
    /// The kept URIs <see cref="ConnectionUri"/> means (all without it), each once. A URI kept exactly as
    /// written is itself even when it holds '?' or '[' (libvirt URIs often do: ?socket=); only '*' makes a
    /// pattern that may match nothing without an error.
    /// </summary>
    protected IEnumerable<string> Matching()
    {
        var kept = KeptLibvirtConnections.Uris;
        if (ConnectionUri is not { Length: > 0 }) return kept;
        var hits = new List<string>();
        foreach (var given in ConnectionUri)
        {
            var p = new WildcardPattern(given, WildcardOptions.IgnoreCase);
            var found = kept.Contains(given, StringComparer.Ordinal) ? new[] { given } : kept.Where(p.IsMatch).ToArray();
            if (found.Length == 0 && !given.Contains('*'))
                WriteError(new VirtToolsException(NotKeptId, FailureKind.ObjectNotFound,
                    $"No libvirt connection to '{given}' is kept open in this session.", given,
                    "Run Get-VHSLibvirtConnection to list the kept ones (their Uri as written to Connect-VHSLibvirt), or keep this one with Connect-VHSLibvirt."), given);
            hits.AddRange(found.Where(u => !hits.Contains(u, StringComparer.Ordinal)));
        }
        return hits;
    }
}

/// <summary>Completes -ConnectionUri with the URIs kept open in this session.</summary>
public sealed class KeptUriCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
    {
        var word = CompletionText.Word(wordToComplete);
        return KeptLibvirtConnections.Uris.Where(u => u.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            // Quoted when PowerShell would read part of it as syntax (; & # and the like; ?socket= is fine bare).
            .Select(u => new CompletionResult(u.All(c => char.IsLetterOrDigit(c) || ":/+._?=%-~".Contains(c)) ? u : $"'{u.Replace("'", "''")}'",
                u, CompletionResultType.ParameterValue, u));
    }
}
