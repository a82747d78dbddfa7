namespace VirtTools.HelpBuilder;

/// <summary>
/// One cmdlet's help as PlatyPS's model holds it. Multi-line texts use CRLF between lines, as
/// PlatyPS does, because the MAML writer turns each CRLF-separated line into one maml:para.
/// </summary>
public sealed class CommandHelp
{
    public required string Name { get; init; }
    public required string SourceFile { get; init; }
    public string? OnlineVersion { get; set; }
    public string? ExternalHelpFile { get; set; }
    public string? ModuleName { get; set; }
    public string Synopsis { get; set; } = "";
    public string Description { get; set; } = "";
    public string Notes { get; set; } = "";
    public bool SupportsCommonParameters { get; set; }
    /// <summary>Parameters in document order, each with the metadata of its first yaml block.</summary>
    public List<ParameterHelp> Parameters { get; } = new();
    /// <summary>Rebuilt from the parameters' yaml, never from the SYNTAX code blocks.</summary>
    public List<SyntaxItem> Syntax { get; } = new();
    public List<TypeHelp> Inputs { get; } = new();
    public List<TypeHelp> Outputs { get; } = new();
    public List<ExampleHelp> Examples { get; } = new();
    public List<LinkHelp> Links { get; } = new();
}

public sealed record ParameterHelp
{
    public required string Name { get; init; }
    public string Description { get; init; } = "";
    /// <summary>The yaml Type text (PlatyPS keeps it verbatim); null when the yaml had none.</summary>
    public string? Type { get; init; }
    public IReadOnlyList<string> ParameterSets { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Aliases { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> AcceptedValues { get; init; } = Array.Empty<string>();
    public bool Required { get; init; }
    public string Position { get; init; } = "named";
    public string? DefaultValue { get; init; }
    public string PipelineInput { get; init; } = "false";
    public bool Globbing { get; init; }
    public string? Applicable { get; init; }
    /// <summary>Source line (1-based) of the parameter heading, for error messages.</summary>
    public int Line { get; init; }

    public bool IsSwitch => Type is { } t &&
        (t.Equals("switch", StringComparison.OrdinalIgnoreCase) ||
         t.Equals("SwitchParameter", StringComparison.OrdinalIgnoreCase) ||
         t.Equals("System.Management.Automation.SwitchParameter", StringComparison.OrdinalIgnoreCase));
}

public sealed record SyntaxItem(string? ParameterSetName, IReadOnlyList<ParameterHelp> Parameters);

public sealed record TypeHelp(string TypeName, string Description);

/// <summary>An example: code blocks already joined (CRLF CRLF between blocks), remarks as CRLF lines.</summary>
public sealed record ExampleHelp(string Title, string Code, string Remarks);

public sealed record LinkHelp(string Text, string Uri);
