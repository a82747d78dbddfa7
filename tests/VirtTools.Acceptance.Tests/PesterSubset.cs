using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace VirtTools.Acceptance;

/// <summary>
/// Keeps tests/Pester/*.Tests.ps1 runnable both by PesterLite here and by real Pester 5 in CI: only the
/// Pester commands, parameters and Should operators of the subset, and only commands the hosted engine
/// has (its Core cmdlets, Join-Path/Add-Type, the module's cmdlets, functions the file defines, programs on PATH).
/// </summary>
public static class PesterSubset
{
    public static readonly string[] ShouldOperators =
        ["Be", "BeExactly", "BeNullOrEmpty", "BeTrue", "BeFalse", "HaveCount", "Contain", "Match", "BeOfType", "Throw"];

    private static readonly string[] BlockParameters = ["Name", "Fixture", "Tag", "Skip", "ForEach"];
    private static readonly string[] SetupParameters = ["Scriptblock"];

    /// <summary>Pester commands of the subset and the parameters each may be given (by full name).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Commands = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
    {
        ["Describe"] = BlockParameters,
        ["Context"] = BlockParameters,
        ["It"] = ["Name", "Test", "ForEach", "TestCases", "Tag", "Skip"],
        ["BeforeAll"] = SetupParameters,
        ["AfterAll"] = SetupParameters,
        ["BeforeEach"] = SetupParameters,
        ["AfterEach"] = SetupParameters,
        ["BeforeDiscovery"] = SetupParameters,
        ["Should"] = [.. ShouldOperators, "Not", "ActualValue", "ExpectedValue", "RegularExpression", "ExpectedType",
            "ExpectedMessage", "ErrorId", "ExceptionType", "PassThru", "Because"],
    };

    /// <summary>Real Pester commands outside the subset, named in messages so the author knows why.</summary>
    private static readonly HashSet<string> PesterOnly = new(StringComparer.OrdinalIgnoreCase)
    {
        "Mock", "InModuleScope", "Should-Invoke", "Should-InvokeVerifiable", "Assert-MockCalled", "Assert-VerifiableMock",
        "Set-ItResult", "Invoke-Pester", "New-PesterConfiguration", "New-PesterContainer", "New-MockObject", "New-Fixture",
        "Add-ShouldOperator", "Get-ShouldOperator", "Set-TestInconclusive", "Get-MockDynamicParameter", "BeforeEachFeature",
    };

    private static readonly Lazy<HashSet<string>> Engine = new(LoadEngineCommands);

    /// <summary>Names that resolve in the hosted engine with PesterLite imported (aliases only when their target exists).</summary>
    public static IReadOnlySet<string> EngineCommands => Engine.Value;

    private static HashSet<string> LoadEngineCommands()
    {
        using var ps = PowerShell.Create(PesterHost.NewSessionState());
        ps.AddCommand("Import-Module").AddParameter("Name", Repo.PesterLiteModule).AddParameter("ErrorAction", "Stop").Invoke();
        ps.Commands.Clear();
        var all = ps.AddCommand("Get-Command").AddParameter("CommandType", CommandTypes.Cmdlet | CommandTypes.Function | CommandTypes.Alias)
            .Invoke().Select(o => o.BaseObject).OfType<CommandInfo>().ToList();
        var names = new HashSet<string>(all.Where(c => c is not AliasInfo).Select(c => c.Name), StringComparer.OrdinalIgnoreCase);
        foreach (var alias in all.OfType<AliasInfo>())
            if (names.Contains(alias.Definition)) names.Add(alias.Name);
        return names;
    }

    /// <summary>The cmdlets the manifest exports, available once the module is imported.</summary>
    public static IReadOnlySet<string> ModuleCommands()
    {
        var ast = Parser.ParseFile(Repo.Combine("VirtTools.psd1"), out _, out _);
        var table = (Hashtable)ast.Find(a => a is HashtableAst, false)!.SafeGetValue();
        return new HashSet<string>(((IEnumerable)table["CmdletsToExport"]!).Cast<object>().Select(o => o.ToString()!), StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Everything in <paramref name="file"/> outside the subset, one "file:line: reason" per finding.</summary>
    public static IReadOnlyList<string> Check(string file)
    {
        var ast = Parser.ParseFile(file, out _, out var errors);
        var name = Path.GetFileName(file);
        var findings = errors.Select(e => $"{name}:{e.Extent.StartLineNumber}: parse error: {e.Message}").ToList();
        var defined = ast.FindAll(a => a is FunctionDefinitionAst, true).Cast<FunctionDefinitionAst>()
            .Select(f => f.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var module = ModuleCommands();
        foreach (var command in ast.FindAll(a => a is CommandAst, true).Cast<CommandAst>())
        {
            var commandName = command.GetCommandName();
            var line = command.Extent.StartLineNumber;
            // Dynamic invocations (& $block) and script paths are not commands to look up.
            if (commandName is null || commandName.IndexOfAny(['/', '\\']) >= 0 || commandName.EndsWith(".ps1", StringComparison.OrdinalIgnoreCase)) continue;
            if (Commands.TryGetValue(commandName, out var allowed))
            {
                foreach (var p in command.CommandElements.OfType<CommandParameterAst>())
                    if (!allowed.Contains(p.ParameterName, StringComparer.OrdinalIgnoreCase))
                        findings.Add(commandName.Equals("Should", StringComparison.OrdinalIgnoreCase)
                            ? $"{name}:{line}: Should -{p.ParameterName} is outside the Pester subset (allowed: -{string.Join(", -", allowed)})"
                            : $"{name}:{line}: {commandName} -{p.ParameterName} is outside the Pester subset");
                continue;
            }
            if (EngineCommands.Contains(commandName) || defined.Contains(commandName) || module.Contains(commandName) || OnPath(commandName)) continue;
            findings.Add(PesterOnly.Contains(commandName) || commandName.StartsWith("Should-", StringComparison.OrdinalIgnoreCase)
                ? $"{name}:{line}: {commandName} is a Pester command outside the subset"
                : $"{name}:{line}: {commandName} is not available in the hosted engine (only Microsoft.PowerShell.Core cmdlets, Join-Path and Add-Type; use the language and .NET instead)");
        }
        return findings;
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Any(d => File.Exists(Path.Combine(d, program)));
}
