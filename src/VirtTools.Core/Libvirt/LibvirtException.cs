namespace VirtTools.Libvirt;

/// <summary>
/// A libvirt error: virError's code, domain and message, read on the failing call's own thread
/// (libvirt's last error is thread-local) right after the call returned failure.
/// </summary>
public sealed class LibvirtException : VirtToolsException
{
    public LibvirtException(string operation, int code, int errorDomain, string libvirtMessage, object? target,
        string errorId, FailureKind kind, string? recommendedAction = null)
        : base(errorId, kind, $"{operation}: {libvirtMessage}", target, recommendedAction)
    {
        Operation = operation;
        Code = code;
        ErrorDomain = errorDomain;
        LibvirtMessage = libvirtMessage;
    }

    /// <summary>The libvirt call that failed (virDomainCreateWithFlags ...).</summary>
    public string Operation { get; }
    /// <summary>virErrorNumber (VIR_ERR_*).</summary>
    public int Code { get; }
    /// <summary>virErrorDomain (VIR_FROM_*).</summary>
    public int ErrorDomain { get; }
    public string LibvirtMessage { get; }

    /// <summary>Reads (and clears) the calling thread's last libvirt error. Call it right after the failing call.</summary>
    internal static LibvirtException FromLastError(string operation, object? target) => FromLastError(operation, () => target);

    /// <summary>
    /// As above, with the target computed only after the error was copied: any libvirt call (even
    /// virDomainGetName for the target's name) resets the thread's last error.
    /// </summary>
    internal static unsafe LibvirtException FromLastError(string operation, Func<object?> target)
    {
        var copy = LibvirtNative.virSaveLastError();
        int code = 0, domain = 0;
        string message = "unknown libvirt error (no error was set)";
        if (copy != null)
        {
            code = copy->Code;
            domain = copy->Domain;
            message = LibvirtNative.BorrowString(copy->Message) ?? message;
            LibvirtNative.virFreeError(copy);
        }
        LibvirtNative.virResetLastError();
        var c = LibvirtErrorClassifier.Classify(code, domain, message);
        return new LibvirtException(operation, code, domain, message, target(), c.Id, c.Kind, c.Action);
    }
}

/// <summary>The virErrorNumber values VirtTools reacts to (libvirt/virterror.h).</summary>
public static class ErrorCodes
{
    public const int InternalError = 1;
    public const int NoSupport = 3;
    public const int NoConnect = 5;
    public const int InvalidDomain = 7;
    public const int OperationFailed = 9;
    public const int XmlError = 27;
    public const int SystemError = 38;
    public const int RpcError = 39;
    public const int NoDomain = 42;
    public const int OperationInvalid = 55;
    public const int AuthFailed = 45;
    public const int NoStoragePool = 49;
    public const int NoStorageVol = 50;
    public const int InvalidArg = 8;
    public const int OperationDenied = 29;
    public const int DomainExists = 28;
    public const int OperationUnsupported = 84;
    public const int OperationAborted = 78;
    public const int ConfigUnsupported = 67;
    public const int OperationTimeout = 68;
    public const int NoDomainSnapshot = 72;
    public const int ArgumentUnsupported = 74;
    public const int XmlDetail = 35;
    public const int StorageVolExist = 90;
    public const int AccessDenied = 88;
    public const int XmlInvalidSchema = 92;
    public const int NoNetwork = 43;
}
