using VirtTools.Libvirt;

namespace VirtTools.Tests.Libvirt;

/// <summary>
/// Connections kept for the session (Connect-VHSLibvirt) and the leases LibvirtConnector.Open hands out on
/// them. Each test keeps a test-driver file of its own: every open of a file URI builds a new in-memory
/// state, so a guest defined on one lease and seen on the next proves the two shared one connection.
/// </summary>
[Collection(TestDriverCollection.Name)]
public sealed class KeptLibvirtConnectionsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vt-kept-" + Guid.NewGuid().ToString("n"));
    private readonly string _uri;

    public KeptLibvirtConnectionsTests()
    {
        Directory.CreateDirectory(_dir);
        var node = Path.Combine(_dir, "node.xml");
        File.WriteAllText(node, "<node>" + LibvirtBindingTests.MinimalXml("seed") + "</node>");
        _uri = "test://" + node;
    }

    public void Dispose()
    {
        KeptLibvirtConnections.Disconnect(_uri);
        KeptLibvirtConnections.Probe = c => c.Probe();
        Directory.Delete(_dir, true);
    }

    private static void Define(ILibvirtConnection c, string name) => c.DefineDomain(LibvirtBindingTests.MinimalXml(name)).Dispose();

    private static bool Has(ILibvirtConnection c, string name)
    {
        using var d = c.FindDomain(name);
        return d is not null;
    }

    [Fact]
    public void Without_Connect_every_open_is_a_new_connection()
    {
        using (var a = LibvirtConnector.Open(_uri)) Define(a, "lone");
        using var b = LibvirtConnector.Open(_uri);
        Assert.False(Has(b, "lone"));
        Assert.True(Has(b, "seed"));
    }

    [Fact]
    public void A_disposed_lease_leaves_the_kept_connection_usable()
    {
        var info = KeptLibvirtConnections.Connect(_uri, out var added);
        Assert.True(added);
        Assert.Equal(_uri, info.Uri);
        Assert.Equal("TEST", info.Driver.ToUpperInvariant());
        Assert.True(info.IsAlive);
        Assert.NotNull(info.LibvirtVersion);

        using (var first = LibvirtConnector.Open(_uri)) Define(first, "kept-a");
        using (var second = LibvirtConnector.Open(_uri))
        {
            Assert.True(Has(second, "kept-a"));
            Define(second, "kept-b");
        }
        using var third = LibvirtConnector.Open(_uri);
        Assert.True(Has(third, "kept-a") && Has(third, "kept-b"));
        Assert.Equal(_uri, third.Uri);

        // Connecting again keeps the same connection: nothing is opened, the state is still there.
        KeptLibvirtConnections.Connect(_uri, out added);
        Assert.False(added);
        using var fourth = LibvirtConnector.Open(_uri);
        Assert.True(Has(fourth, "kept-a"));
        Assert.Equal(new[] { _uri }, KeptLibvirtConnections.List().Where(k => k.Uri == _uri).Select(k => k.Uri));
    }

    [Fact]
    public void Disconnect_leaves_a_lease_in_use_valid_until_it_is_disposed()
    {
        KeptLibvirtConnections.Connect(_uri, out _);
        var lease = LibvirtConnector.Open(_uri);
        try
        {
            Define(lease, "in-use");
            var gone = KeptLibvirtConnections.Disconnect(_uri);
            Assert.NotNull(gone);
            Assert.False(gone!.IsAlive);
            Assert.DoesNotContain(_uri, KeptLibvirtConnections.Uris);
            Assert.Null(KeptLibvirtConnections.Disconnect(_uri));

            // The lease holds its own reference: the connection and its state live on.
            Assert.True(Has(lease, "in-use"));
            Define(lease, "after-disconnect");
            Assert.Equal(3, lease.ListDomains().Count);

            // Later opens are connections of their own again.
            using var fresh = LibvirtConnector.Open(_uri);
            Assert.False(Has(fresh, "in-use"));
        }
        finally { lease.Dispose(); }
    }

    [Fact]
    public void A_dead_kept_connection_is_replaced_by_a_new_one_and_old_leases_stay_valid()
    {
        var before = KeptLibvirtConnections.Connect(_uri, out _);
        using var old = LibvirtConnector.Open(_uri);
        Define(old, "before-death");

        // The connection kept now stops answering (as after a daemon restart).
        IKeepableConnection? dead = null;
        KeptLibvirtConnections.Probe = c =>
        {
            dead ??= c;
            return !ReferenceEquals(c, dead) && c.Probe();
        };
        using (var next = LibvirtConnector.Open(_uri))
        {
            Assert.False(Has(next, "before-death"));   // a new connection: the test driver built a new state
            Define(next, "after-death");
        }
        using (var again = LibvirtConnector.Open(_uri)) Assert.True(Has(again, "after-death"));   // and that one is kept

        var now = Assert.Single(KeptLibvirtConnections.List(), k => k.Uri == _uri);
        Assert.True(now.IsAlive);
        Assert.Equal(1, now.Reconnects);
        Assert.True(now.ConnectedAt >= before.ConnectedAt);

        // The lease taken before still works on the old connection.
        Assert.True(Has(old, "before-death"));
    }

    [Fact]
    public void A_kept_connection_that_cannot_be_opened_again_stays_kept_and_the_next_call_retries()
    {
        KeptLibvirtConnections.Connect(_uri, out _);
        var alive = false;
        KeptLibvirtConnections.Probe = c => alive && c.Probe();
        var opener = KeptLibvirtConnections.Opener;
        KeptLibvirtConnections.Opener = u => throw new LibvirtException("virConnectOpenAuth", ErrorCodes.SystemError, 0, "daemon down", u,
            "LibvirtConnectionFailed", FailureKind.ConnectionError);
        try
        {
            Assert.Equal("LibvirtConnectionFailed", Assert.Throws<LibvirtException>(() => LibvirtConnector.Open(_uri)).ErrorId);
            var k = Assert.Single(KeptLibvirtConnections.List(), k => k.Uri == _uri);
            Assert.False(k.IsAlive);
        }
        finally { KeptLibvirtConnections.Opener = opener; }
        alive = true;
        using var back = LibvirtConnector.Open(_uri);
        Assert.True(Has(back, "seed"));
        Assert.Equal(1, Assert.Single(KeptLibvirtConnections.List(), k => k.Uri == _uri).Reconnects);
    }

    [Fact]
    public void A_uri_that_cannot_be_opened_is_not_kept()
    {
        var bad = "test://" + Path.Combine(_dir, "missing.xml");
        Assert.Throws<LibvirtException>(() => KeptLibvirtConnections.Connect(bad, out _));
        Assert.DoesNotContain(bad, KeptLibvirtConnections.Uris);
    }

    [Fact]
    public void Connect_Disconnect_and_leases_racing_on_one_uri_leave_no_lease_on_a_closed_connection()
    {
        // Every lease must work whatever Connect or Disconnect does meanwhile (a lease on a connection
        // closed under it would fail its call, or crash on a freed pointer).
        var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            for (var i = 0; i < 150; i++)
            {
                try
                {
                    switch ((t + i) % 3)
                    {
                        case 0: KeptLibvirtConnections.Connect(_uri, out _); break;
                        case 1: KeptLibvirtConnections.Disconnect(_uri); break;
                        default:
                            using (var c = LibvirtConnector.Open(_uri)) Assert.True(Has(c, "seed"));
                            break;
                    }
                }
                catch (Exception e) { failures.Add(e); }
            }
        });
        Assert.Empty(failures);
        KeptLibvirtConnections.Connect(_uri, out _);
        Assert.Single(KeptLibvirtConnections.Uris, u => u == _uri);
        Assert.NotNull(KeptLibvirtConnections.Disconnect(_uri));
        Assert.DoesNotContain(_uri, KeptLibvirtConnections.Uris);
    }

    [Fact]
    public void Leases_from_many_threads_share_the_one_connection()
    {
        KeptLibvirtConnections.Connect(_uri, out _);
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            using var c = LibvirtConnector.Open(_uri);
            Define(c, $"p{i}");
        });
        using var all = LibvirtConnector.Open(_uri);
        Assert.Equal(65, all.ListDomains().Count);
    }
}
