using System.Net.Sockets;
using VirtTools.Libvirt;
using C = VirtTools.Libvirt.LibvirtErrorClassifier;

namespace VirtTools.Tests.Libvirt;

/// <summary>
/// libvirt's errors by code, domain and message (the messages are the ones libvirt 9.0 gave for each
/// case on this project's lab daemons) map to ids that say what failed, with advice for that only.
/// </summary>
[Collection(TestDriverCollection.Name)]
public class LibvirtErrorClassifierTests
{
    private const string Lab = "qemu+unix:///system?socket=/tmp/lab/a/run/libvirt-sock";

    public static TheoryData<int, int, string, string, FailureKind> Calls => new()
    {
        // A guest whose disk file is gone fails to start with an errno error of the storage domain: not a dead connection.
        { ErrorCodes.SystemError, C.Domains.Storage, "Cannot access storage file '/var/lib/libvirt/images/g.qcow2' (as uid:0, gid:0): No such file or directory", C.Ids.StorageError, FailureKind.ObjectNotFound },
        { ErrorCodes.SystemError, 10, "unable to open '/var/lib/libvirt/qemu/nvram/g_VARS.fd': Permission denied", C.Ids.StorageError, FailureKind.PermissionDenied },
        { C.MoreCodes.StorageProbeFailed, C.Domains.Storage, "cannot probe backing volume info", C.Ids.StorageError, FailureKind.ResourceUnavailable },
        { ErrorCodes.OperationFailed, C.Domains.Storage, "storage pool 'default' is not active", C.Ids.StorageError, FailureKind.ResourceUnavailable },
        { ErrorCodes.NoStoragePool, C.Domains.Storage, "Storage pool not found", "StoragePoolNotFound", FailureKind.ObjectNotFound },
        { ErrorCodes.NoStorageVol, C.Domains.Storage, "Storage volume not found", "StorageVolumeNotFound", FailureKind.ObjectNotFound },
        // Networks.
        { ErrorCodes.OperationInvalid, C.Domains.Network, "Requested operation is not valid: network 'default' is not active", C.Ids.NetworkError, FailureKind.InvalidOperation },
        { ErrorCodes.SystemError, C.Domains.Network, "Cannot get interface MTU on 'virbr9': No such device", C.Ids.NetworkError, FailureKind.ResourceUnavailable },
        { ErrorCodes.NoNetwork, C.Domains.Network, "Network not found", "NetworkNotFound", FailureKind.ObjectNotFound },
        // The guest's own state, a missing guest.
        { ErrorCodes.OperationInvalid, 20, "Requested operation is not valid: domain is not running", C.Ids.OperationInvalid, FailureKind.InvalidOperation },
        { ErrorCodes.NoDomain, 20, "Domain not found: no domain with matching name 'x'", C.Ids.GuestNotFound, FailureKind.ObjectNotFound },
        // Credentials and the connection itself.
        { ErrorCodes.AuthFailed, C.Domains.Auth, "authentication failed: polkit", C.Ids.AuthFailed, FailureKind.AuthenticationError },
        { C.MoreCodes.AuthCancelled, C.Domains.Auth, "authentication cancelled", C.Ids.AuthFailed, FailureKind.AuthenticationError },
        // A connection that was open and broke (the daemon killed, restarted, or silent past the keepalive).
        { ErrorCodes.RpcError, C.Domains.Rpc, "End of file while reading data: Input/output error", C.Ids.ConnectionLost, FailureKind.ConnectionError },
        { ErrorCodes.SystemError, C.Domains.Rpc, "End of file while reading data: Input/output error", C.Ids.ConnectionLost, FailureKind.ConnectionError },
        { ErrorCodes.SystemError, C.Domains.Rpc, "Cannot write data: Broken pipe", C.Ids.ConnectionLost, FailureKind.ConnectionError },
        { ErrorCodes.SystemError, C.Domains.Rpc, "Cannot recv data: Connection reset by peer", C.Ids.ConnectionLost, FailureKind.ConnectionError },
        { ErrorCodes.InternalError, C.Domains.Rpc, "internal error: client socket is closed", C.Ids.ConnectionLost, FailureKind.ConnectionError },
        { ErrorCodes.InternalError, C.Domains.Rpc, "internal error: connection closed due to keepalive timeout", C.Ids.ConnectionLost, FailureKind.ConnectionError },
        { ErrorCodes.InternalError, C.Domains.Remote, "internal error: client socket is closed", C.Ids.ConnectionLost, FailureKind.ConnectionError },
        { ErrorCodes.NoConnect, C.Domains.None, "no connection driver available", C.Ids.ConnectionLost, FailureKind.ConnectionError },
        { C.MoreCodes.InvalidConn, 0, "invalid connection pointer", C.Ids.ConnectionLost, FailureKind.ConnectionError },
        // An errno failure without a file is the host's, with the daemon's log as advice.
        { ErrorCodes.SystemError, 10, "Unable to create cgroup: Operation not permitted", C.Ids.SystemError, FailureKind.ResourceUnavailable },
        { ErrorCodes.InternalError, 10, "internal error: something odd", C.Ids.Generic, FailureKind.NotSpecified },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public void A_failed_call_maps_by_code_and_domain(int code, int domain, string message, string id, FailureKind kind)
    {
        var c = C.Classify(code, domain, message);
        Assert.Equal(id, c.Id);
        Assert.Equal(kind, c.Kind);
        if (id != C.Ids.ConnectionFailed)
            Assert.DoesNotContain("Start libvirtd", c.Action ?? "");
    }

    [Fact]
    public void A_missing_disk_names_the_file_and_says_to_restore_it_not_to_start_libvirtd()
    {
        var c = C.Classify(ErrorCodes.SystemError, C.Domains.Storage, "Cannot access storage file '/srv/g.qcow2' (as uid:0, gid:0): No such file or directory");
        Assert.Contains("/srv/g.qcow2", c.Action);
        Assert.Contains("Restore it", c.Action);
        Assert.DoesNotContain("libvirtd", c.Action);
    }

    public static TheoryData<string, int, int, string, string, FailureKind> Opens => new()
    {
        // The daemon is not running: the only case that gets "start libvirtd".
        { "qemu:///system", ErrorCodes.SystemError, C.Domains.Rpc, "Failed to connect socket to '/var/run/libvirt/virtqemud-sock': No such file or directory", C.Ids.ConnectionFailed, FailureKind.ConnectionError },
        { "qemu+unix:///system?socket=/tmp/s", ErrorCodes.SystemError, C.Domains.Rpc, "Failed to connect socket to '/tmp/s': Connection refused", C.Ids.ConnectionFailed, FailureKind.ConnectionError },
        // An unknown scheme fails with the same socket error when no daemon runs, and with "no driver" when one does.
        { "foo:///system", ErrorCodes.SystemError, C.Domains.Rpc, "Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory", C.Ids.UriInvalid, FailureKind.InvalidArgument },
        { "foo+unix:///system?socket=/tmp/s", ErrorCodes.NoConnect, 0, "no connection driver available for foo:///system", C.Ids.UriInvalid, FailureKind.InvalidArgument },
        { "localhost", ErrorCodes.SystemError, C.Domains.Rpc, "Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory", C.Ids.UriInvalid, FailureKind.InvalidArgument },
        // A driver the daemon does not have.
        { "xen+unix:///system?socket=/tmp/s", ErrorCodes.NoConnect, 0, "no connection driver available for xen:///system", C.Ids.DriverNotInstalled, FailureKind.NotInstalled },
        // A typo in the path, with and without a daemon that answers.
        { Lab.Replace("system", "sytem"), ErrorCodes.InternalError, 0, "internal error: unexpected qemu URI path '/sytem', try qemu:///system", C.Ids.UriInvalid, FailureKind.InvalidArgument },
        { "qemu:///sytem", ErrorCodes.SystemError, C.Domains.Rpc, "Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory", C.Ids.UriInvalid, FailureKind.InvalidArgument },
        // A typo in the socket path.
        { "qemu+unix:///system?socket=/nonexistent/sock", ErrorCodes.SystemError, C.Domains.Rpc, "Failed to connect socket to '/nonexistent/sock': No such file or directory", C.Ids.SocketNotFound, FailureKind.ObjectNotFound },
        // No right to the socket, wrong credentials.
        { "qemu:///system", ErrorCodes.SystemError, C.Domains.Rpc, "Failed to connect socket to '/var/run/libvirt/libvirt-sock': Permission denied", C.Ids.AccessDenied, FailureKind.PermissionDenied },
        { "qemu:///system", ErrorCodes.AuthFailed, C.Domains.Auth, "authentication failed: access denied by policy", C.Ids.AuthFailed, FailureKind.AuthenticationError },
        // A remote host that cannot be reached: advice about the host, not the local daemon.
        { "qemu+ssh://nohost.invalid/system", ErrorCodes.SystemError, C.Domains.Rpc, "Cannot recv data: ssh: Could not resolve hostname nohost.invalid: Name or service not known: Connection reset by peer", C.Ids.ConnectionFailed, FailureKind.ConnectionError },
    };

    [Theory]
    [MemberData(nameof(Opens))]
    public void A_failed_open_maps_to_the_uri_the_driver_the_socket_the_credentials_or_the_daemon(string uri, int code, int domain, string message, string id, FailureKind kind)
    {
        var c = C.ClassifyOpen(uri, code, domain, message);
        Assert.Equal(id, c.Id);
        Assert.Equal(kind, c.Kind);
        Assert.False(string.IsNullOrEmpty(c.Action));
        // Connection advice only for a connection failure.
        Assert.Equal(id == C.Ids.ConnectionFailed && !uri.Contains("ssh"), c.Action!.Contains("Start libvirtd"));
    }

    [Fact]
    public void Uri_advice_names_a_uri_that_works()
    {
        Assert.Contains("qemu:///system", C.ClassifyOpen("foo:///system", ErrorCodes.SystemError, C.Domains.Rpc, "x").Action);
        Assert.Contains("libvirt-daemon-driver-libxl", C.ClassifyOpen("xen:///system", ErrorCodes.NoConnect, 0, "no connection driver available for xen:///system").Action);
        Assert.Contains("/nonexistent/s", C.ClassifyOpen("qemu+unix:///system?socket=/nonexistent/s", ErrorCodes.SystemError, C.Domains.Rpc, "Failed to connect socket to '/nonexistent/s': No such file or directory").Action);
    }

    [Fact]
    public void Real_open_of_an_unknown_scheme_is_about_the_uri()
    {
        var e = Assert.Throws<LibvirtException>(() => LibvirtConnector.Open("foo:///system"));
        Assert.Equal(C.Ids.UriInvalid, e.ErrorId);
        Assert.DoesNotContain("libvirtd", e.RecommendedAction);
    }

    [Fact]
    public void Real_open_of_a_socket_nobody_listens_on_is_a_connection_failure_that_says_start_the_daemon()
    {
        // A bound socket that never listens: connect() gets ECONNREFUSED, as from a daemon that died.
        var dir = Directory.CreateTempSubdirectory("vt-refused-");
        try
        {
            var path = Path.Combine(dir.FullName, "sock");
            using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Bind(new UnixDomainSocketEndPoint(path));
            var e = Assert.Throws<LibvirtException>(() => LibvirtConnector.Open($"qemu+unix:///system?socket={path}"));
            Assert.Equal(C.Ids.ConnectionFailed, e.ErrorId);
            Assert.Equal(FailureKind.ConnectionError, e.Kind);
            Assert.Contains("Start libvirtd", e.RecommendedAction);
        }
        finally { dir.Delete(true); }
    }
}
