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
