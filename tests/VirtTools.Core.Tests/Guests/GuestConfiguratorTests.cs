using System.Xml.Linq;
using VirtTools.Guests;
using VirtTools.Libvirt;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Guests;

/// <summary>Set-VMGuest's logic on libvirt's test driver: every offline and live path, each bad input, the undo.</summary>
[Collection(TestDriverCollection.Name)]
public sealed class GuestConfiguratorTests : IDisposable
{
    private readonly FaultyConnection _c = new(LibvirtConnector.Open(LibvirtBindingTests.TestUri));
    private readonly List<string> _names = new();

    public void Dispose()
    {
        foreach (var n in _names)
        {
            using var d = _c.FindDomain(n);
            if (d is null) continue;
            var persistent = d.IsPersistent;
            if (d.IsActive) d.Destroy();
            if (persistent) d.Undefine();
        }
        _c.Dispose();
    }

    /// <summary>512 MiB of at most 1 GiB, 1 of at most 4 vCPUs.</summary>
    private ILibvirtDomain Guest(string name, bool start = false, string devices = "")
    {
        _names.Add(name);
        var d = _c.DefineDomain($"<domain type='test'><name>{name}</name><memory unit='MiB'>1024</memory>" +
                                $"<currentMemory unit='MiB'>512</currentMemory><vcpu current='1'>4</vcpu>" +
                                $"<os><type arch='i686'>hvm</type></os><devices>{devices}</devices></domain>");
        if (start) d.Start();
        return d;
    }

    private static DomainDefinition Def(ILibvirtDomain d, bool inactive) =>
        GuestReader.Definition(d.GetXml(inactive ? DomainXmlFlags.Inactive : DomainXmlFlags.None));

    private GuestChangePlan Plan(ILibvirtDomain d, GuestSettings s, GuestChangeScope scope = GuestChangeScope.LiveAndPersistent) =>
        new GuestConfigurator(_c).Plan(d, s, scope);

    [Fact]
    public void A_shut_off_guest_changes_its_definition_with_no_warning()
    {
        using var d = Guest("cfg-off");
        var plan = Plan(d, new GuestSettings
        {
            MaximumMemoryBytes = 2L << 30, MemoryBytes = 1536L << 20, MaximumProcessorCount = 2, ProcessorCount = 2,
            Description = "web front end", AutoStart = true, NewName = "cfg-off-renamed",
        });
        Assert.Empty(plan.Warnings);
        plan.Apply();
        _names.Add("cfg-off-renamed");
        Assert.Null(_c.FindDomain("cfg-off"));
        using var r = _c.FindDomain("cfg-off-renamed")!;
        var g = GuestReader.Read(r, _c.Uri);
        Assert.Equal((1536L << 20, 2L << 30, 2, 2), (g.MemoryBytes, g.MaximumMemoryBytes, g.ProcessorCount, g.MaximumProcessorCount));
        Assert.Equal("web front end", g.Description);
        Assert.True(g.Autostart);

        // An empty description removes it; lowering the ceiling below the current size lowers both.
        Plan(r, new GuestSettings { Description = "", MaximumMemoryBytes = 256L << 20, MaximumProcessorCount = 1 }).Apply();
        var after = GuestReader.Read(r, _c.Uri);
        Assert.Null(after.Description);
        Assert.Equal((256L << 20, 256L << 20, 1, 1), (after.MemoryBytes, after.MaximumMemoryBytes, after.ProcessorCount, after.MaximumProcessorCount));
    }

    [Fact]
    public void A_running_guest_changes_live_and_in_its_definition_and_live_comes_first()
    {
        using var d = Guest("cfg-run", start: true);
        Plan(d, new GuestSettings { MemoryBytes = 768L << 20, ProcessorCount = 3, Description = "both" }).Apply();
        Assert.Equal((768L << 20, 3, "both"), (Def(d, false).MemoryBytes, Def(d, false).ProcessorCount, Def(d, false).Description));
        Assert.Equal((768L << 20, 3, "both"), (Def(d, true).MemoryBytes, Def(d, true).ProcessorCount, Def(d, true).Description));
        Assert.Equal(new[] { "memory Live 805306368", "memory Config 805306368", "vcpus Live 3", "vcpus Config 3", "metadata Live both", "metadata Config both" },
            _c.ConfigCalls);
    }

    [Fact]
    public void Live_and_Persistent_narrow_the_change_and_persistent_on_a_running_guest_warns_of_the_next_boot()
    {
        using var d = Guest("cfg-narrow", start: true);
        var live = Plan(d, new GuestSettings { MemoryBytes = 256L << 20 }, GuestChangeScope.Live);
        Assert.Empty(live.Warnings);
        live.Apply();
        Assert.Equal((256L << 20, 512L << 20), (Def(d, false).MemoryBytes, Def(d, true).MemoryBytes));

        var next = Plan(d, new GuestSettings { ProcessorCount = 2 }, GuestChangeScope.Persistent);
        Assert.Contains(next.Warnings, w => w.Contains("next boot"));
        next.Apply();
        Assert.Equal((1, 2), (Def(d, false).ProcessorCount, Def(d, true).ProcessorCount));
    }

    [Fact]
    public void A_new_maximum_on_a_running_guest_goes_to_the_definition_with_a_next_boot_warning()
    {
        using var d = Guest("cfg-max", start: true);
        var plan = Plan(d, new GuestSettings { MaximumMemoryBytes = 2L << 30, MaximumProcessorCount = 2 });
        Assert.Equal(2, plan.Warnings.Count(w => w.Contains("at the next boot")));
        plan.Apply();
        Assert.Equal((1L << 30, 4), (Def(d, false).MaximumMemoryBytes, Def(d, false).MaximumProcessorCount));
        Assert.Equal((2L << 30, 2), (Def(d, true).MaximumMemoryBytes, Def(d, true).MaximumProcessorCount));
        Assert.Equal("MaximumNeedsRestart",
            Assert.Throws<VirtToolsException>(() => Plan(d, new GuestSettings { MaximumMemoryBytes = 512L << 20 }, GuestChangeScope.Live)).ErrorId);
    }

    public static TheoryData<string, bool, GuestSettings, GuestChangeScope> BadInputs => new()
    {
        { "NoSettingGiven", false, new GuestSettings(), GuestChangeScope.LiveAndPersistent },
        { "InvalidMemorySize", false, new GuestSettings { MemoryBytes = 0 }, GuestChangeScope.LiveAndPersistent },
        { "InvalidMemorySize", false, new GuestSettings { MaximumMemoryBytes = -1 }, GuestChangeScope.LiveAndPersistent },
        { "InvalidProcessorCount", false, new GuestSettings { ProcessorCount = 0 }, GuestChangeScope.LiveAndPersistent },
        { "InvalidProcessorCount", false, new GuestSettings { MaximumProcessorCount = 0 }, GuestChangeScope.LiveAndPersistent },
        { "MemoryAboveMaximum", false, new GuestSettings { MemoryBytes = 2L << 30 }, GuestChangeScope.LiveAndPersistent },
        { "MemoryAboveMaximum", true, new GuestSettings { MemoryBytes = 2L << 30, MaximumMemoryBytes = 2L << 30 }, GuestChangeScope.LiveAndPersistent },
        { "MemoryAboveHost", false, new GuestSettings { MaximumMemoryBytes = 1L << 50 }, GuestChangeScope.LiveAndPersistent },
        { "ProcessorCountAboveMaximum", false, new GuestSettings { ProcessorCount = 5 }, GuestChangeScope.LiveAndPersistent },
        { "ProcessorCountAboveMaximum", true, new GuestSettings { ProcessorCount = 4, MaximumProcessorCount = 2 }, GuestChangeScope.LiveAndPersistent },
        { "ProcessorCountAboveHost", false, new GuestSettings { MaximumProcessorCount = 100000 }, GuestChangeScope.LiveAndPersistent },
        { "GuestNotRunning", false, new GuestSettings { MemoryBytes = 256L << 20 }, GuestChangeScope.Live },
        { "RenameNeedsShutOff", true, new GuestSettings { NewName = "cfg-other" }, GuestChangeScope.LiveAndPersistent },
        { "InvalidGuestName", false, new GuestSettings { NewName = "a/b" }, GuestChangeScope.LiveAndPersistent },
        { "InvalidGuestName", false, new GuestSettings { NewName = " " }, GuestChangeScope.LiveAndPersistent },
        { "GuestNameInUse", false, new GuestSettings { NewName = "test" }, GuestChangeScope.LiveAndPersistent },
        { "MaximumNeedsRestart", true, new GuestSettings { MaximumProcessorCount = 2 }, GuestChangeScope.Live },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_is_refused_before_any_call(string id, bool running, GuestSettings s, GuestChangeScope scope)
    {
        using var d = Guest("cfg-bad-" + Guid.NewGuid().ToString("N")[..8], running);
        var before = (d.GetXml(DomainXmlFlags.Inactive), d.IsActive ? d.GetXml() : null);
        var e = Assert.Throws<VirtToolsException>(() => Plan(d, s, scope));
        Assert.Equal(id, e.ErrorId);
        Assert.False(string.IsNullOrEmpty(e.RecommendedAction));
        Assert.Empty(_c.ConfigCalls);
        Assert.Equal(before, (d.GetXml(DomainXmlFlags.Inactive), d.IsActive ? d.GetXml() : null));
    }

    [Fact]
    public void A_transient_guest_has_no_definition_to_change()
    {
        using var d = Guest("cfg-transient", start: true);
        d.Undefine();
        Assert.False(d.IsPersistent);
        Assert.Equal("GuestNotPersistent", Assert.Throws<VirtToolsException>(() => Plan(d, new GuestSettings { MemoryBytes = 256L << 20 }, GuestChangeScope.Persistent)).ErrorId);
        Assert.Equal("GuestNotPersistent", Assert.Throws<VirtToolsException>(() => Plan(d, new GuestSettings { AutoStart = true })).ErrorId);
        // Without a scope only the running guest changes.
        Plan(d, new GuestSettings { MemoryBytes = 256L << 20 }).Apply();
        Assert.Equal(256L << 20, Def(d, false).MemoryBytes);
    }

    [Fact]
    public void A_guest_without_a_balloon_is_refused_a_live_memory_change_but_may_change_for_the_next_boot()
    {
        using var d = Guest("cfg-noballoon", start: true, devices: "<memballoon model='none'/>");
        Assert.NotNull(XDocument.Parse(d.GetXml()).Root!.Element("devices")?.Element("memballoon"));
        Assert.Equal("NoMemoryBalloon", Assert.Throws<VirtToolsException>(() => Plan(d, new GuestSettings { MemoryBytes = 256L << 20 })).ErrorId);
        Plan(d, new GuestSettings { MemoryBytes = 256L << 20 }, GuestChangeScope.Persistent).Apply();
        Assert.Equal(256L << 20, Def(d, true).MemoryBytes);
    }

    [Fact]
    public void When_the_definition_refuses_after_the_live_change_the_live_change_is_undone()
    {
        using var d = Guest("cfg-undo", start: true);
        _c.FailMemoryWith = DomainMemoryFlags.Config;
        var e = Assert.Throws<VirtToolsException>(() => Plan(d, new GuestSettings { ProcessorCount = 2, MemoryBytes = 256L << 20 }).Apply());
        Assert.Equal("MemoryChangeRefused", e.ErrorId);
        Assert.Contains("undone", e.Message);
        Assert.Contains("injected failure", e.Message);
        Assert.Equal((512L << 20, 1), (Def(d, false).MemoryBytes, Def(d, false).ProcessorCount));
        Assert.Equal((512L << 20, 1), (Def(d, true).MemoryBytes, Def(d, true).ProcessorCount));
        Assert.Equal(new[] { "memory Live 268435456", "memory Config 268435456", "memory Live 536870912" }, _c.ConfigCalls);
    }

    [Fact]
    public void A_refused_first_step_says_nothing_was_changed_and_a_refused_rename_undoes_the_rest()
    {
        using var d = Guest("cfg-first");
        _c.FailVcpusWith = DomainVcpuFlags.Config;
        var e = Assert.Throws<VirtToolsException>(() => Plan(d, new GuestSettings { ProcessorCount = 2 }).Apply());
        Assert.Equal("ProcessorChangeRefused", e.ErrorId);
        Assert.Contains("Nothing was changed", e.Message);

        _c.FailVcpusWith = null;
        _c.FailRename = true;
        var r = Assert.Throws<VirtToolsException>(() => Plan(d, new GuestSettings { MaximumMemoryBytes = 256L << 20, Description = "x", NewName = "cfg-first2" }).Apply());
        Assert.Equal("RenameRefused", r.ErrorId);
        var def = Def(d, true);
        Assert.Equal((512L << 20, 1L << 30, (string?)null), (def.MemoryBytes, def.MaximumMemoryBytes, def.Description));
    }

    [Fact]
    public void Restart_waits_for_the_reboot_and_times_out_with_advice_when_the_guest_ignores_acpi()
    {
        using var d = Guest("cfg-restart", start: true);
        Assert.Equal(LifecycleOutcome.Changed, GuestLifecycle.Restart(d, _c, false, TimeSpan.FromSeconds(5)));
        _c.IgnoreReboot = true;
        var e = Assert.Throws<VirtToolsException>(() => GuestLifecycle.Restart(d, _c, false, TimeSpan.FromMilliseconds(600)));
        Assert.Equal("GuestRestartTimedOut", e.ErrorId);
        Assert.Contains("-TurnOff", e.RecommendedAction);
        Assert.Equal(LifecycleOutcome.Changed, GuestLifecycle.Restart(d, _c, true, TimeSpan.Zero));
    }

    [Fact]
    public void VMGuest_shows_the_current_vcpus_and_memory_beside_their_maximums_and_is_read_only()
    {
        using var d = Guest("cfg-read");
        var g = GuestReader.Read(d, _c.Uri);
        Assert.Equal((512L << 20, 1L << 30, 1, 4), (g.MemoryBytes, g.MaximumMemoryBytes, g.ProcessorCount, g.MaximumProcessorCount));
        Assert.All(typeof(VMGuest).GetProperties(), p => Assert.False(p.SetMethod?.IsPublic == true, p.Name + " has a public setter"));
    }

    [Theory]
    [InlineData(128L << 20, "128 MiB")]
    [InlineData(1L << 30, "1 GiB")]
    [InlineData(3L << 29, "1.5 GiB")]
    public void Sizes_read_as_admins_read_them(long bytes, string text) => Assert.Equal(text, GuestConfigurator.Size(bytes));
}
