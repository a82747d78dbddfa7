using VirtTools.Guests;
using VirtTools.Libvirt;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Guests;

/// <summary>Get-VMGuest's bulk reads: the same guests, property for property, as one guest's own calls give.</summary>
[Collection(TestDriverCollection.Name)]
public sealed class GuestListFactsTests : IDisposable
{
    private readonly ILibvirtConnection _c = LibvirtConnector.Open(LibvirtBindingTests.TestUri);

    public void Dispose()
    {
        foreach (var d in _c.ListDomains())
            using (d)
                if (d.Name.StartsWith("glf-", StringComparison.Ordinal))
                {
                    var persistent = d.IsPersistent;   // a transient guest is gone once destroyed
                    if (d.IsActive) d.Destroy();
                    if (persistent) d.Undefine();
                }
        _c.Dispose();
    }

    private static string Xml(string name) =>
        $"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>";

    /// <summary>Running, paused, shut off, autostarted, transient: every state, autostart and persistence a listing can mix.</summary>
    private void Guests()
    {
        using (var off = _c.DefineDomain(Xml("glf-off"))) off.Autostart = true;
        using (var run = _c.DefineDomain(Xml("glf-run"))) run.Start();
        using (var paused = _c.DefineDomain(Xml("glf-paused"))) { paused.Start(); paused.Suspend(); }
        _c.CreateDomain(Xml("glf-transient")).Dispose();
    }

    private static string Text(VMGuest g) =>
        string.Join("|", typeof(VMGuest).GetProperties().Select(p => p.GetValue(g) switch
        {
            string[] a => string.Join(",", a),
            var v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture),
        }));

    /// <summary>The guests <paramref name="c"/> lists (after <see cref="Guests"/>) handed to <paramref name="act"/>, disposed after.</summary>
    private void WithListing(ILibvirtConnection c, Action<IReadOnlyList<ILibvirtDomain>> act)
    {
        Guests();
        var all = c.ListDomains();
        try { act(all); }
        finally { foreach (var d in all) d.Dispose(); }
    }

    [Fact]
    public void BulkFactsReadEveryGuestAsItsOwnCallsDo() => WithListing(_c, all =>
    {
        var facts = GuestListFacts.Read(_c, all);
        Assert.NotNull(facts);
        foreach (var d in all)
            Assert.Equal(Text(GuestReader.Read(d, _c.Uri)), Text(GuestReader.Read(d, _c.Uri, facts)));
        var byName = all.ToDictionary(d => d.Name, d => GuestReader.Read(d, _c.Uri, facts));
        Assert.Equal(("ShutOff", true, true), (byName["glf-off"].State, byName["glf-off"].Autostart, byName["glf-off"].Persistent));
        Assert.Equal(("Running", false, true), (byName["glf-run"].State, byName["glf-run"].Autostart, byName["glf-run"].Persistent));
        Assert.Equal(("Paused", "User"), (byName["glf-paused"].State, byName["glf-paused"].StateReason));
        Assert.Equal(("Running", false), (byName["glf-transient"].State, byName["glf-transient"].Persistent));
    });

    [Fact]
    public void OneBulkStatsCallForTheWholeListing()
    {
        var f = new FaultyConnection(_c);
        WithListing(f, all =>
        {
            Assert.NotNull(GuestListFacts.Read(f, all));
            Assert.Equal(new[] { $"list {all.Count}" }, f.StatsCalls);
        });
    }

    [Fact]
    public void GuestsOutsideTheBulkAnswerAskLibvirtThemselves() => WithListing(_c, all =>
    {
        using var late = _c.DefineDomain(Xml("glf-late"));
        late.Autostart = true;
        // Defined after the listing: in none of the bulk answers, and still read right.
        var g = GuestReader.Read(late, _c.Uri, GuestListFacts.Read(_c, all));
        Assert.Equal(("ShutOff", true, true), (g.State, g.Autostart, g.Persistent));
    });

    [Fact]
    public void NoBulkFactsWhereTheyCostMoreOrABulkCallFails()
    {
        var f = new FaultyConnection(_c);
        WithListing(f, all =>
        {
            Assert.Null(GuestListFacts.Read(f, all.Take(1).ToList()));
            Assert.Empty(f.StatsCalls);
            f.RecordedStats = () => throw new LibvirtException("virDomainListGetStats", ErrorCodes.NoSupport, 0,
                "this function is not supported by the connection driver", null, "LibvirtError", FailureKind.NotSpecified);
            Assert.Null(GuestListFacts.Read(f, all));
            f.RecordedStats = () => throw FaultyConnection.Injected("virDomainListGetStats");
            Assert.Null(GuestListFacts.Read(f, all));
            f.RecordedStats = null;
            f.FailList = true;
            Assert.Null(GuestListFacts.Read(f, all));
            Assert.Equal(3, f.StatsCalls.Count);   // the list failed after the statistics call
        });
    }
}
