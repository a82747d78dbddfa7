namespace VirtTools;

/// <summary>
/// How a failure is classified. The names are exactly those of PowerShell's ErrorCategory, so
/// the cmdlet layer maps them by name while the core stays free of any PowerShell reference.
/// </summary>
public enum FailureKind
{
    NotSpecified,
    InvalidArgument,
    InvalidOperation,
    InvalidData,
    ObjectNotFound,
    PermissionDenied,
    ResourceBusy,
    ResourceExists,
    ResourceUnavailable,
    LimitsExceeded,
    NotEnabled,
    NotInstalled,
    NotImplemented,
    ReadError,
    WriteError,
    DeviceError,
    OperationTimeout,
    OperationStopped,
    ConnectionError,
    AuthenticationError,
    ProtocolError,
}

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
