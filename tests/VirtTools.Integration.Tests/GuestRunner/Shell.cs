using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace VirtTools.Integration.GuestRunner;

/// <summary>One hosted PowerShell runspace with ./VirtTools.psd1 imported, as a runbook would use it.</summary>
public sealed partial class Shell : IDisposable
{
    private readonly Runspace _runspace;

    public Shell(string repoRoot)
    {
        // A command PowerShell does not know makes it scan every module path, which under TCG
        // emulation costs seconds per miss: keep discovery to what is imported.
        System.Environment.SetEnvironmentVariable("PSModulePath", repoRoot);
        _runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        _runspace.Open();
        _runspace.SessionStateProxy.SetVariable("PSModuleAutoLoadingPreference", "None");
        var import = Invoke("Import-Module $args[0] -ErrorAction Stop; (Get-Module VirtTools).ExportedCmdlets.Keys",
            Path.Combine(repoRoot, "VirtTools.psd1"));
        ImportErrors = import.Errors;
        ExportedCmdlets = import.Output.Select(o => o.TryGetValue("Value", out var v) ? v?.ToString() : null).OfType<string>().ToArray();
    }

    public IReadOnlyList<PsError> ImportErrors { get; }
    public string[] ExportedCmdlets { get; } = Array.Empty<string>();

    /// <summary>Runs <paramref name="script"/> with <paramref name="args"/> as $args; never throws for script failures.</summary>
    public PsResult Invoke(string script, params object?[] args)
    {
        var missing = VerbNoun().Matches(script).Select(m => m.Value)
            .FirstOrDefault(c => ExportedCmdlets.Length > 0 && !ExportedCmdlets.Contains(c, StringComparer.OrdinalIgnoreCase));
        if (missing is not null)
        {
            var absent = new PsResult();
            absent.Errors.Add(new PsError("CommandNotExported", "ObjectNotFound", $"VirtTools does not export {missing} in this build.", missing, true));
            return absent;
        }
        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        foreach (var a in args) ps.AddArgument(a);
        var result = new PsResult();
        try
        {
            foreach (var o in ps.Invoke()) result.Output.Add(Flatten(o));
        }
        catch (RuntimeException e)
        {
            result.Errors.Add(PsError.From(e.ErrorRecord, terminating: true));
        }
        catch (Exception e)
        {
            result.Errors.Add(new PsError(e.GetType().FullName + ": " + e.Message, "", e.Message, null, true));
        }
        foreach (var er in ps.Streams.Error) result.Errors.Add(PsError.From(er, terminating: false));
        result.Warnings.AddRange(ps.Streams.Warning.Select(w => w.Message));
        result.Verbose.AddRange(ps.Streams.Verbose.Select(v => v.Message));
        return result;
    }

    /// <summary>Properties as plain values (strings, numbers, bools, string arrays) so they serialize as JSON.</summary>
    public static Dictionary<string, object?> Flatten(PSObject? o)
    {
        var d = new Dictionary<string, object?>();
        if (o is null) return d;
        if (o.BaseObject is string or ValueType)
        {
            d["Value"] = Plain(o.BaseObject);
            return d;
        }
        d["TypeName"] = o.TypeNames.FirstOrDefault();
        foreach (var p in o.Properties)
        {
            object? v;
            try { v = p.Value; } catch (Exception e) { v = "<" + e.GetType().Name + ">"; }
            d[p.Name] = Plain(v);
        }
        return d;
    }

    private static object? Plain(object? v)
    {
        if (v is PSObject pso) v = pso.BaseObject;
        return v switch
        {
            null => null,
            string s => s,
            bool or int or long or short or byte or uint or ulong or double or float or decimal => v,
            Enum e => e.ToString(),
            IEnumerable e => e.Cast<object?>().Select(x => x is PSObject p ? p.BaseObject?.ToString() : x?.ToString()).ToArray(),
            _ => v.ToString(),
        };
    }

    public void Dispose() => _runspace.Dispose();

    [System.Text.RegularExpressions.GeneratedRegex(@"\b(?:Get|Enable|Disable|Set|Test|New|Remove)-(?:Pci|Iommu|Vfio|Sriov|VHS)[A-Za-z]*")]
    private static partial System.Text.RegularExpressions.Regex VerbNoun();
}

public sealed class PsResult
{
    public List<Dictionary<string, object?>> Output { get; } = new();
    public List<PsError> Errors { get; } = new();
    public List<string> Warnings { get; } = new();
    public List<string> Verbose { get; } = new();
}

public sealed record PsError(string FullyQualifiedErrorId, string Category, string Message, string? Target, bool Terminating)
{
    public static PsError From(ErrorRecord r, bool terminating) =>
        new(r.FullyQualifiedErrorId, r.CategoryInfo.Category.ToString(), r.Exception?.Message ?? r.ToString(),
            r.TargetObject?.ToString(), terminating);
}
