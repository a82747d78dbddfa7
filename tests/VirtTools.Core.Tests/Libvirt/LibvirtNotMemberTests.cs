using VirtTools.Libvirt;
using C = VirtTools.Libvirt.LibvirtErrorClassifier;

namespace VirtTools.Tests.Libvirt;

/// <summary>
/// An ordinary user refused the host's own daemon (socket root:libvirt 0770, or polkit's rule for the
/// libvirt group) is told the three ways in: the group, root, or a session daemon of their own.
/// </summary>
public class LibvirtNotMemberTests
{
    [Theory]
    [InlineData("qemu:///system", ErrorCodes.SystemError, C.Domains.Rpc, "Failed to connect socket to '/var/run/libvirt/virtqemud-sock': Permission denied", C.Ids.AccessDenied, "qemu:///session")]
    [InlineData("qemu:///system", ErrorCodes.AuthFailed, C.Domains.Auth, "authentication failed: access denied by policy", C.Ids.AuthFailed, "qemu:///session")]
    [InlineData("qemu:///system", C.MoreCodes.AuthUnavailable, C.Domains.Auth, "authentication unavailable: no polkit agent available to authenticate action 'org.libvirt.unix.manage'", C.Ids.AuthFailed, "qemu:///session")]
    [InlineData("xen:///system", ErrorCodes.AuthFailed, C.Domains.Auth, "authentication failed: access denied by policy", C.Ids.AuthFailed, "xen:///session")]
    public void A_local_system_daemon_says_join_the_group_sudo_or_session(string uri, int code, int domain, string message, string id, string session)
    {
        var c = C.ClassifyOpen(uri, code, domain, message);
        Assert.Equal(id, c.Id);
        Assert.Contains("join the libvirt group", c.Action);
        Assert.Contains("sudo", c.Action);
        Assert.Contains(session, c.Action);
    }

    [Fact]
    public void A_remote_daemon_keeps_the_credentials_advice()
    {
        var c = C.ClassifyOpen("qemu+ssh://admin@host1/system", ErrorCodes.AuthFailed, C.Domains.Auth, "authentication failed: access denied by policy");
        Assert.Equal(C.Ids.AuthFailed, c.Id);
        Assert.Equal(FailureKind.AuthenticationError, c.Kind);
        Assert.DoesNotContain("libvirt group", c.Action);
    }
}
