using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;

namespace VirtTools.Acceptance;

/// <summary>
/// The hosted engine has only the Microsoft.PowerShell.Core cmdlets. The project's test files are told
/// to use `Import-Module (Join-Path ...)` and `Add-Type -Path`, so those two get minimal stand-ins with the
/// real cmdlets' names and the parameters the tests use; nothing else is added.
/// </summary>
public static class Shims
{
    public static readonly string[] Names = ["Join-Path", "Add-Type"];

    public static void Register(InitialSessionState iss)
    {
        iss.Commands.Add(new SessionStateCmdletEntry("Join-Path", typeof(JoinPathCommand), null));
        iss.Commands.Add(new SessionStateCmdletEntry("Add-Type", typeof(AddTypeCommand), null));
    }
}

[Cmdlet(VerbsCommon.Join, "Path")]
[OutputType(typeof(string))]
public sealed class JoinPathCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath")]
    public string[] Path { get; set; } = [];

    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString, AllowNull]
    public string? ChildPath { get; set; }

    [Parameter(Position = 2, ValueFromRemainingArguments = true)]
    [AllowEmptyString, AllowNull]
    public string[]? AdditionalChildPath { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var p in Path)
        {
            var joined = p;
            foreach (var child in new[] { ChildPath }.Concat(AdditionalChildPath ?? []))
                if (!string.IsNullOrEmpty(child)) joined = SessionState.Path.Combine(joined, child);
            WriteObject(joined);
        }
    }
}

[Cmdlet(VerbsCommon.Add, "Type", DefaultParameterSetName = "FromPath")]
public sealed class AddTypeCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "FromPath")]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = "FromAssemblyName")]
    [Alias("AN")]
    public string[] AssemblyName { get; set; } = [];

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        var assemblies = ParameterSetName == "FromPath"
            ? Path.SelectMany(p => SessionState.Path.GetResolvedProviderPathFromPSPath(p, out _)).Select(Assembly.LoadFrom)
            : AssemblyName.Select(Assembly.Load);
        foreach (var a in assemblies.ToList())
            if (PassThru) WriteObject(a.GetExportedTypes(), true);
    }
}
