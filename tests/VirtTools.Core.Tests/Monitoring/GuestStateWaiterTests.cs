using System.Diagnostics;
using VirtTools.Libvirt;
using VirtTools.Monitoring;

namespace VirtTools.Tests.Monitoring;

/// <summary>
/// Wait-VMGuest's core on libvirt's test driver, whose lifecycle events arrive through the process's one event
/// loop: the wait ends on the event (a handful of state reads, no polling), and a timeout names the state reached.
/// </summary>
[Collection(Libvirt.TestDriverCollection.Name)]
public sealed class GuestStateWaiterTests : IDisposable
{
    private readonly TestDriverGuests _g = new();

    public void Dispose() => _g.Dispose();

    /// <summary>Changes the guest from another connection after <paramref name="delayMs"/>, as virsh would.</summary>
    private static Task Later(string name, int delayMs, Action<ILibvirtDomain> change) => Task.Run(async () =>
    {
        await Task.Delay(delayMs);
        using var other = LibvirtConnector.Open(Libvirt.LibvirtBindingTests.TestUri);
        using var d = other.FindDomain(name)!;
        change(d);
    });

    [Theory]
    [InlineData("Paused")]
    [InlineData("ShutOff")]
    [InlineData("Running")]
    public async Task Returns_on_the_lifecycle_event_of_the_change(string target)
    {
        var name = "vt-wait-" + target.ToLowerInvariant();
        _g.Running(name);
        using var d = _g.C.FindDomain(name)!;
        if (target == "Running") d.Suspend();
        var sw = Stopwatch.StartNew();
        var change = Later(name, 400, x =>
        {
            if (target == "Paused") x.Suspend();
            else if (target == "ShutOff") x.Destroy();
            else x.Resume();
        });
        var reached = GuestStateWaiter.Wait(_g.C, d, Enum.Parse<DomainState>(target), TimeSpan.FromSeconds(20));
        sw.Stop();
        await change;
        Assert.Equal(Enum.Parse<DomainState>(target), reached);
        Assert.InRange(sw.ElapsedMilliseconds, 350, 5000);
        Assert.InRange(_g.C.StateReads, 2, 4);   // once at registration, then once per event: not a polling loop
    }

    [Fact]
    public void A_guest_already_there_returns_at_once()
    {
        _g.Running("vt-wait-now");
        using var d = _g.C.FindDomain("vt-wait-now")!;
        Assert.Equal(DomainState.Running, GuestStateWaiter.Wait(_g.C, d, DomainState.Running, TimeSpan.Zero));
        Assert.Equal(1, _g.C.StateReads);
    }

    [Fact]
    public void A_timeout_is_GuestWaitTimedOut_and_names_the_state_reached()
    {
        _g.Running("vt-wait-late");
        using var d = _g.C.FindDomain("vt-wait-late")!;
        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<VirtToolsException>(() => GuestStateWaiter.Wait(_g.C, d, DomainState.ShutOff, TimeSpan.FromMilliseconds(500)));
        Assert.InRange(sw.ElapsedMilliseconds, 450, 5000);
        Assert.Equal(GuestStateWaiter.TimedOutId, e.ErrorId);
        Assert.Equal(FailureKind.OperationTimeout, e.Kind);
        Assert.Contains("did not reach ShutOff within 0.5 s: it is Running", e.Message);
    }

    [Fact]
    public async Task A_timeout_after_a_change_names_the_new_state()
    {
        _g.Running("vt-wait-mid");
        using var d = _g.C.FindDomain("vt-wait-mid")!;
        var change = Later("vt-wait-mid", 200, x => x.Suspend());
        var e = Assert.Throws<VirtToolsException>(() => GuestStateWaiter.Wait(_g.C, d, DomainState.ShutOff, TimeSpan.FromMilliseconds(1200)));
        await change;
        Assert.Contains("it is Paused", e.Message);
    }

    [Fact]
    public void Cancelling_ends_the_wait()
    {
        _g.Running("vt-wait-cancel");
        using var d = _g.C.FindDomain("vt-wait-cancel")!;
        using var cts = new CancellationTokenSource(300);
        Assert.ThrowsAny<OperationCanceledException>(() => GuestStateWaiter.Wait(_g.C, d, DomainState.Paused, null, cts.Token));
    }
}
