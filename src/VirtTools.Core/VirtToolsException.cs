namespace VirtTools;

/// <summary>A failure the user can act on: a stable id, a category, the target and what to do.</summary>
public class VirtToolsException : Exception
{
    public VirtToolsException(string errorId, FailureKind kind, string message, object? target = null,
        string? recommendedAction = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
        RecommendedAction = recommendedAction;
    }

    /// <summary>Stable PascalCase token; becomes the first part of FullyQualifiedErrorId.</summary>
    public string ErrorId { get; }
    public FailureKind Kind { get; }
    public object? Target { get; }
    public string? RecommendedAction { get; }
}
