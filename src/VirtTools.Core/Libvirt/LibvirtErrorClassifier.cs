using System.Text.RegularExpressions;

namespace VirtTools.Libvirt;

/// <summary>What a libvirt error means to the user: a stable id, its category and what to do.</summary>
public sealed record LibvirtErrorClass(string Id, FailureKind Kind, string? Action);

/// <summary>
/// Maps libvirt's virError (code, domain and message) to ids that say what failed. The code alone is
/// not enough: VIR_ERR_SYSTEM_ERROR (an errno) is a dead socket in the RPC domain but a missing disk
/// file in the storage domain, and only the connection failures get advice about the daemon.
/// </summary>
public static partial class LibvirtErrorClassifier
{
    public static class Ids
    {
        public const string ConnectionFailed = "LibvirtConnectionFailed";
        /// <summary>An open connection that broke: the daemon died, restarted or stopped answering keepalives.</summary>
        public const string ConnectionLost = "LibvirtConnectionLost";
        public const string UriInvalid = "LibvirtUriInvalid";
        public const string DriverNotInstalled = "LibvirtDriverNotInstalled";
        public const string SocketNotFound = "LibvirtSocketNotFound";
        public const string AuthFailed = "LibvirtAuthFailed";
        public const string AccessDenied = "LibvirtAccessDenied";
        public const string StorageError = "LibvirtStorageError";
        public const string NetworkError = "LibvirtNetworkError";
        public const string SystemError = "LibvirtSystemError";
        public const string OperationInvalid = "LibvirtOperationInvalid";
        public const string GuestNotFound = "GuestNotFound";
        public const string Generic = "LibvirtError";
    }

    /// <summary>The virErrorDomain values (VIR_FROM_*, libvirt/virterror.h) the mapping looks at.</summary>
    public static class Domains
    {
        public const int None = 0;
        public const int Rpc = 7;
        public const int Net = 11;
        public const int Remote = 13;
        public const int Storage = 18;
        public const int Network = 19;
        public const int NwFilter = 33;
        public const int Uri = 45;
        public const int Auth = 46;
        public const int Ssh = 50;
        public const int LibSsh = 66;
    }

    /// <summary>virErrorNumber values only this mapping needs (kept here, not in the shared <see cref="ErrorCodes"/>).</summary>
    public static class MoreCodes
    {
        public const int InvalidConn = 6;
        public const int InvalidNetwork = 36;
        public const int NetworkExist = 37;
        public const int InvalidStoragePool = 46;
        public const int InvalidStorageVol = 47;
        public const int StorageProbeFailed = 75;
        public const int StoragePoolBuilt = 76;
        public const int AuthCancelled = 79;
        public const int AuthUnavailable = 94;
    }

    private const string DaemonAdvice =
        "Start libvirtd (or the modular daemons: virtqemud, virtxend) and check the connection URI and your access to its socket.";

    private const string JournalAdvice =
        "libvirt's message above names what the host refused; the daemon's log has the rest (journalctl -u virtqemud, or -u libvirtd).";

    /// <summary>
    /// The URI drivers of libvirt (the part before '+' of a URI's scheme). A failure to open a URI with
    /// any other scheme is the URI's fault, whatever socket error libvirt's remote driver adds.
    /// </summary>
    private static readonly HashSet<string> KnownDrivers = new(StringComparer.OrdinalIgnoreCase)
    {
        "qemu", "xen", "libxl", "lxc", "test", "vbox", "vmwareplayer", "vmwarews", "vmwarefusion", "esx", "gsx", "vpx",
        "hyperv", "openvz", "bhyve", "ch", "vz", "parallels", "remote", "network", "interface", "nodedev", "nwfilter",
        "secret", "storage",
    };

    /// <summary>What a failed call (not a connection open) means; see <see cref="ClassifyOpen"/> for those.</summary>
    public static LibvirtErrorClass Classify(int code, int domain, string? message)
    {
        message ??= "";
        if (IsLost(code, domain))
            return new(Ids.ConnectionLost, FailureKind.ConnectionError, LostAdvice);
        switch (code)
        {
            case ErrorCodes.AuthFailed or MoreCodes.AuthCancelled or MoreCodes.AuthUnavailable:
                return Auth();
            case ErrorCodes.NoDomain:
                return new(Ids.GuestNotFound, FailureKind.ObjectNotFound, "Run Get-VMGuest to see the guests this connection has.");
            case ErrorCodes.NoStoragePool:
                return new("StoragePoolNotFound", FailureKind.ObjectNotFound, "List pools with 'virsh pool-list --all'.");
            case ErrorCodes.NoStorageVol:
                return new("StorageVolumeNotFound", FailureKind.ObjectNotFound, null);
            case ErrorCodes.NoDomainSnapshot:
                return new("SnapshotNotFound", FailureKind.ObjectNotFound, null);
            case ErrorCodes.NoNetwork:
                return new("NetworkNotFound", FailureKind.ObjectNotFound, "List networks with 'virsh net-list --all'.");
            case ErrorCodes.NoSupport or ErrorCodes.ArgumentUnsupported or ErrorCodes.OperationUnsupported:
                return new("LibvirtNotSupported", FailureKind.NotImplemented, null);
            case ErrorCodes.XmlError or ErrorCodes.XmlDetail or ErrorCodes.XmlInvalidSchema or ErrorCodes.ConfigUnsupported:
                return new("LibvirtRejectedXml", FailureKind.InvalidData, null);
            case ErrorCodes.OperationDenied or ErrorCodes.AccessDenied:
                return new(Ids.AccessDenied, FailureKind.PermissionDenied, null);
            case ErrorCodes.OperationTimeout:
                return new("LibvirtTimeout", FailureKind.OperationTimeout, null);
            case ErrorCodes.DomainExists:
                return new("GuestExists", FailureKind.ResourceExists, null);
            case ErrorCodes.StorageVolExist:
                return new("StorageVolumeExists", FailureKind.ResourceExists, null);
            case ErrorCodes.InvalidArg:
                return new("LibvirtInvalidArgument", FailureKind.InvalidArgument, null);
        }
        if (IsStorage(code, domain, message))
            return new(Ids.StorageError, ErrnoKind(message, FailureKind.ResourceUnavailable),
                PathIn(message) is { } path
                    ? $"A file the guest needs is missing or unreadable: {path}. Restore it, or give the guest another disk (Set-VMGuest, or Get-VMGuest to see its disks); 'virsh pool-refresh' if it is a volume of a pool."
                    : "Check the storage pool and its volumes ('virsh pool-list --all', 'virsh vol-list POOL').");
        if (IsNetwork(code, domain))
            return new(Ids.NetworkError, code == ErrorCodes.OperationInvalid ? FailureKind.InvalidOperation : FailureKind.ResourceUnavailable,
                "Check the guest's network: 'virsh net-list --all' shows whether it exists and is active (start it with 'virsh net-start NAME' and 'virsh net-autostart NAME').");
        return code switch
        {
            ErrorCodes.OperationInvalid => new(Ids.OperationInvalid, FailureKind.InvalidOperation, null),
            ErrorCodes.SystemError => new(Ids.SystemError, ErrnoKind(message, FailureKind.ResourceUnavailable), JournalAdvice),
            _ => new(Ids.Generic, FailureKind.NotSpecified, null),
        };
    }

    /// <summary>What a failed virConnectOpen of <paramref name="uri"/> means: the URI, the driver, the socket, the daemon or the credentials.</summary>
    public static LibvirtErrorClass ClassifyOpen(string uri, int code, int domain, string? message)
    {
        message ??= "";
        var scheme = Scheme(uri);
        var driver = scheme?.Split('+')[0];
        var transport = scheme is not null && scheme.Contains('+') ? scheme[(scheme.IndexOf('+') + 1)..] : null;
        if (driver is null || !KnownDrivers.Contains(driver))
            return new(Ids.UriInvalid, FailureKind.InvalidArgument,
                $"'{driver ?? uri}' is not a libvirt driver. Use a URI such as qemu:///system, xen:///system, lxc:///system or test:///default (remote: qemu+ssh://root@HOST/system).");
        if (code == ErrorCodes.NoConnect && message.Contains("no connection driver available", StringComparison.Ordinal))
            return new(Ids.DriverNotInstalled, FailureKind.NotInstalled,
                $"The daemon at this URI has no '{driver}' driver: install it there (libvirt-daemon-driver-{DriverPackage(driver)}, or the distribution's libvirt-daemon-{DriverPackage(driver)}) and restart the daemon, or use the URI of the hypervisor it has.");
        if (code == ErrorCodes.InternalError && message.Contains("URI path", StringComparison.Ordinal) || domain == Domains.Uri || HasUnknownPath(uri, driver))
            return new(Ids.UriInvalid, FailureKind.InvalidArgument,
                $"Correct the URI's path: '{driver}:///system' (the host's daemon) or '{driver}:///session' (your own); libvirt's message above says what it expected.");
        if (code is ErrorCodes.AuthFailed or MoreCodes.AuthCancelled or MoreCodes.AuthUnavailable || domain == Domains.Auth)
            return IsLocalSystem(uri, transport) ? Auth() with { Action = NotMemberAdvice(driver) } : Auth();
        if (code == ErrorCodes.SystemError && message.Contains("Permission denied", StringComparison.Ordinal))
            return new(Ids.AccessDenied, FailureKind.PermissionDenied, NotMemberAdvice(driver));
        if (SocketOf(uri) is { } socket && message.Contains("No such file or directory", StringComparison.Ordinal))
            return new(Ids.SocketNotFound, FailureKind.ObjectNotFound,
                $"There is no socket at {socket}: check the socket path in the URI (-ConnectionUri); if it is right, the daemon that creates it is not running: start it.");
        if (transport is "ssh" or "libssh" or "libssh2" or "tcp" or "tls" || domain is Domains.Ssh or Domains.LibSsh)
            return new(Ids.ConnectionFailed, FailureKind.ConnectionError,
                "Check the host name in the URI, that this machine reaches it (for +ssh: ssh to it works without a password prompt), and that libvirtd (or virtqemud) runs there.");
        if (IsTransport(code, domain) || code is ErrorCodes.NoConnect or ErrorCodes.SystemError)
            return new(Ids.ConnectionFailed, FailureKind.ConnectionError, DaemonAdvice);
        var other = Classify(code, domain, message);
        return other.Id is Ids.Generic or Ids.ConnectionLost ? new(Ids.ConnectionFailed, FailureKind.ConnectionError, DaemonAdvice) : other;
    }

    /// <summary>
    /// What an ordinary user who is refused the host's own daemon (its socket is root:libvirt 0770, or
    /// polkit allows only the libvirt group) can do: the group, root, or a daemon of their own.
    /// </summary>
    private static string NotMemberAdvice(string driver) =>
        $"Your user may not manage this host's libvirt daemon: join the libvirt group (sudo usermod -aG libvirt $USER, then log in again), " +
        $"run as root (sudo virttools -Command ...), or use your own daemon with -ConnectionUri {driver.ToLowerInvariant()}:///session.";

    /// <summary>A URI of this machine's system daemon (qemu:///system, qemu+unix:///system?socket=...), where group membership decides.</summary>
    private static bool IsLocalSystem(string uri, string? transport)
    {
        if (transport is not (null or "unix")) return false;
        var rest = uri[(uri.IndexOf(':') + 1)..];
        return rest.StartsWith("///system", StringComparison.Ordinal);
    }

    private static LibvirtErrorClass Auth() =>
        new(Ids.AuthFailed, FailureKind.AuthenticationError,
            "The daemon did not accept your credentials: check the user in the URI, the polkit or SASL rules of that host, or run as root.");

    private const string LostAdvice =
        "The libvirt daemon went away during the call (killed, restarted, or silent past the keepalive): see why with 'journalctl -u libvirtd' (or -u virtqemud) on that host. " +
        "Once it is back, check the guest's state (Get-VMGuest) before you retry: the change may or may not have been made.";

    /// <summary>
    /// A connection that was open and broke: every transport failure, the RPC layer's internal errors ("client
    /// socket is closed", "connection closed due to keepalive timeout") and a call on a connection libvirt
    /// already closed (VIR_ERR_NO_CONNECT outside an open).
    /// </summary>
    private static bool IsLost(int code, int domain) =>
        IsTransport(code, domain)
        || code == ErrorCodes.InternalError && domain is Domains.Rpc or Domains.Remote
        || code == ErrorCodes.NoConnect;

    /// <summary>A dead or broken connection: RPC failures, and errno failures of the RPC layer (a socket).</summary>
    private static bool IsTransport(int code, int domain) =>
        code is ErrorCodes.RpcError or MoreCodes.InvalidConn
        || code == ErrorCodes.SystemError && domain is Domains.Rpc or Domains.Remote or Domains.Ssh or Domains.LibSsh;

    private static bool IsStorage(int code, int domain, string message) =>
        domain == Domains.Storage
        || code is MoreCodes.InvalidStoragePool or MoreCodes.InvalidStorageVol or MoreCodes.StorageProbeFailed or MoreCodes.StoragePoolBuilt
        || code == ErrorCodes.SystemError && PathIn(message) is not null;

    private static bool IsNetwork(int code, int domain) =>
        domain is Domains.Network or Domains.Net or Domains.NwFilter
        || code is MoreCodes.InvalidNetwork or MoreCodes.NetworkExist;

    /// <summary>The errno text libvirt appends (": No such file or directory") as a category.</summary>
    private static FailureKind ErrnoKind(string message, FailureKind otherwise) =>
        message.EndsWith("No such file or directory", StringComparison.Ordinal) ? FailureKind.ObjectNotFound
        : message.EndsWith("Permission denied", StringComparison.Ordinal) ? FailureKind.PermissionDenied
        : otherwise;

    /// <summary>The first quoted absolute path in libvirt's message ("Cannot access storage file '/x' ...").</summary>
    internal static string? PathIn(string message) => QuotedPath().Match(message) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>Drivers whose local URIs end in /system, /session or /embed only (or nothing): anything else is a typo.</summary>
    private static readonly HashSet<string> SystemSessionDrivers = new(StringComparer.OrdinalIgnoreCase)
    {
        "qemu", "xen", "libxl", "lxc", "vbox", "bhyve", "ch", "openvz", "vz", "parallels", "network", "interface", "nodedev",
        "nwfilter", "secret", "storage",
    };

    private static bool HasUnknownPath(string uri, string driver)
    {
        if (!SystemSessionDrivers.Contains(driver)) return false;
        var rest = uri[(uri.IndexOf(':') + 1)..];
        if (!rest.StartsWith("//", StringComparison.Ordinal)) return false;
        var slash = rest.IndexOf('/', 2);
        if (slash < 0) return false;
        var path = rest[slash..];
        var q = path.IndexOf('?');
        if (q >= 0) path = path[..q];
        return path is not ("/" or "/system" or "/session" or "/embed");
    }

    private static string? Scheme(string uri)
    {
        var colon = uri.IndexOf(':');
        return colon > 0 ? uri[..colon] : null;
    }

    /// <summary>The socket a URI names with ?socket=PATH (no other parameter can hold an absolute path that libvirt connects to).</summary>
    private static string? SocketOf(string uri)
    {
        var q = uri.IndexOf('?');
        if (q < 0) return null;
        foreach (var p in uri[(q + 1)..].Split('&'))
            if (p.StartsWith("socket=", StringComparison.Ordinal)) return Uri.UnescapeDataString(p["socket=".Length..]);
        return null;
    }

    private static string DriverPackage(string driver) => driver.ToLowerInvariant() switch
    {
        "xen" => "libxl",
        "vmwareplayer" or "vmwarews" or "vmwarefusion" => "vmware",
        var d => d,
    };

    [GeneratedRegex("'(/[^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex QuotedPath();
}
