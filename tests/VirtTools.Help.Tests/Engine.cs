using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using VirtTools.Testing;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace VirtTools.Help.Tests;

/// <summary>A hosted PowerShell engine with the VirtTools module imported from a manifest.</summary>
public sealed class Engine : IDisposable
{
    private readonly Runspace _runspace;

    public Engine(string? manifest = null)
    {
        Manifest = manifest ?? Path.Combine(Fixtures.RepoRoot, "VirtTools.psd1");
        _runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        _runspace.Open();
        Invoke("Import-Module -Name $args[0] -ErrorAction Stop", Manifest);
    }

    public string Manifest { get; }

    /// <summary>Runs a script (positional arguments in $args) and throws on any error record.</summary>
    public Collection<PSObject> Invoke(string script, params object[] args)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        ps.AddScript(script);
        foreach (var a in args) ps.AddArgument(a);
        var result = ps.Invoke();
        if (ps.Streams.Error.Count > 0)
            throw new InvalidOperationException("Script wrote errors: " + string.Join("; ", ps.Streams.Error.Select(e => e.ToString())));
        return result;
    }

    public void Dispose() => _runspace.Dispose();

    /// <summary>
    /// Parameters PowerShell adds to every cmdlet, which help leaves to "### CommonParameters".
    /// -WhatIf and -Confirm are not among them: PlatyPS documents them as parameters of every
    /// ShouldProcess cmdlet, so our pages must too.
    /// </summary>
    public static readonly IReadOnlySet<string> CommonParameters = new HashSet<string>(
        Cmdlet.CommonParameters.Append("UseTransaction"), StringComparer.OrdinalIgnoreCase);

    /// <summary>The cmdlets the imported module exports, with their own (non-common) parameter names.</summary>
    public IReadOnlyList<(string Name, IReadOnlyList<string> Parameters)> ExportedCmdlets()
    {
        var list = new List<(string, IReadOnlyList<string>)>();
        foreach (var o in Invoke("(Get-Module VirtTools).ExportedCmdlets.Values"))
        {
            var cmdlet = (CmdletInfo)o.BaseObject;
            var names = cmdlet.Parameters.Keys.Where(k => !CommonParameters.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
            list.Add((cmdlet.Name, names));
        }
        return list.OrderBy(c => c.Item1, StringComparer.Ordinal).ToList();
    }
}
