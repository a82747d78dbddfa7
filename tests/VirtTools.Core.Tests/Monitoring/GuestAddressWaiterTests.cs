using System.Diagnostics;
using VirtTools.Libvirt;
using VirtTools.Monitoring;

namespace VirtTools.Tests.Monitoring;

/// <summary>Wait-VMGuest -For IPAddress' core on the test driver, its address answers scripted by the faulty decorator.</summary>
[Collection(Libvirt.TestDriverCollection.Name)]
public sealed class GuestAddressWaiterTests : IDisposable
{
    private const string Mac = "52:54:00:00:99:01";
    private readonly TestDriverGuests _g = new();
    private readonly TimeSpan _poll = GuestAddressWaiter.PollInterval;

    public GuestAddressWaiterTests() => GuestAddressWaiter.PollInterval = TimeSpan.FromMilliseconds(50);

    public void Dispose()
    {
        GuestAddressWaiter.PollInterval = _poll;
        _g.Dispose();
    }

    private static string WithNic(string name) =>
        $"<domain type='test'><name>{name}</name><memory>131072</memory><os><type>hvm</type></os><devices>" +
        $"<interface type='network'><mac address='{Mac}'/><source network='default'/></interface></devices></domain>";

    private static LibvirtInterfaceAddresses Answer(string ip) =>
        new("vnet0", Mac, [new LibvirtIPAddress(IPAddressType.IPv4, ip, 24)]);

    [Fact]
    public void Returns_once_the_lease_is_there_and_not_before()
    {
        _g.Running("vt-ip-late", WithNic("vt-ip-late"));
        _g.C.Addresses[InterfaceAddressSource.Lease] = [];
        _g.C.Addresses[InterfaceAddressSource.Arp] = [];
        using var d = _g.C.FindDomain("vt-ip-late")!;
        var sw = Stopwatch.StartNew();
        // The value of an existing key is replaced: the dictionary is not resized under the reader.
        var lease = Task.Run(async () => { await Task.Delay(400); _g.C.Addresses[InterfaceAddressSource.Lease] = [Answer("192.168.122.77")]; });
        var nics = GuestAddressWaiter.Wait(d, _g.C.Uri, TimeSpan.FromSeconds(30));
        lease.Wait();
        Assert.InRange(sw.ElapsedMilliseconds, 350, 10_000);
        var a = Assert.Single(Assert.Single(nics).IPAddresses);
        Assert.Equal(("192.168.122.77", "Lease"), (a.Address, a.Source));
        Assert.Equal(Mac, nics[0].MacAddress);
        Assert.True(_g.C.AddressCalls.Count(s => s == InterfaceAddressSource.Lease) >= 3, "polled more than once");
    }

    [Fact]
    public void A_timeout_says_that_the_guest_runs_and_which_NIC_has_no_address()
    {
        _g.Running("vt-ip-none", WithNic("vt-ip-none"));
        _g.C.Addresses[InterfaceAddressSource.Lease] = [];
        _g.C.Addresses[InterfaceAddressSource.Arp] = null;
        using var d = _g.C.FindDomain("vt-ip-none")!;
        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<VirtToolsException>(() => GuestAddressWaiter.Wait(d, _g.C.Uri, TimeSpan.FromMilliseconds(300)));
        Assert.InRange(sw.ElapsedMilliseconds, 250, 5_000);
        Assert.Equal((GuestStateWaiter.TimedOutId, FailureKind.OperationTimeout), (e.ErrorId, e.Kind));
        Assert.Contains("had no IP address within 0.3 s: it runs", e.Message);
        Assert.Contains(Mac, e.Message);
        Assert.Contains("from Arp: injected failure", e.Message);
        Assert.Contains("DHCP", e.RecommendedAction);
        Assert.Equal("vt-ip-none", e.Target);
    }

    [Theory]
    [InlineData("stopped", "it is not running", "Start-VMGuest")]
    [InlineData("nonic", "with no network adapter", "Add-VMGuestNetworkAdapter")]
    public void A_timeout_names_what_was_reached(string what, string reached, string fix)
    {
        var name = "vt-ip-" + what;
        if (what == "stopped") _g.Defined(name, WithNic(name));
        else _g.Running(name);
        using var d = _g.C.FindDomain(name)!;
        var e = Assert.Throws<VirtToolsException>(() => GuestAddressWaiter.Wait(d, _g.C.Uri, TimeSpan.Zero));
        Assert.Contains(reached, e.Message);
        Assert.Contains(fix, e.RecommendedAction);
    }

    [Fact]
    public void Cancellation_ends_the_wait()
    {
        _g.Running("vt-ip-cancel", WithNic("vt-ip-cancel"));
        _g.C.Addresses[InterfaceAddressSource.Lease] = [];
        _g.C.Addresses[InterfaceAddressSource.Arp] = [];
        using var d = _g.C.FindDomain("vt-ip-cancel")!;
        using var cts = new CancellationTokenSource(200);
        Assert.Throws<OperationCanceledException>(() => GuestAddressWaiter.Wait(d, _g.C.Uri, null, cts.Token));
    }
}
