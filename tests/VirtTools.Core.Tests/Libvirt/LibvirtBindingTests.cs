using VirtTools.Host;
using VirtTools.Libvirt;

namespace VirtTools.Tests.Libvirt;

/// <summary>
/// test:///default keeps one in-memory state per process while any connection is open, so every
/// test that uses it runs in this one non-parallel collection and names its own guests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TestDriverCollection
{
    public const string Name = "libvirt test driver";
}

[Collection(TestDriverCollection.Name)]
public class LibvirtBindingTests
{
    internal const string TestUri = "test:///default";

    internal static string MinimalXml(string name, string type = "test") =>
        $"<domain type='{type}'><name>{name}</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>" +
        "<os><type arch='i686'>hvm</type></os></domain>";

    [Fact]
    public void Connection_reports_uri_driver_host_capabilities_and_node()
    {
        using var c = LibvirtConnector.Open(TestUri);
        Assert.Equal(TestUri, c.Uri);
        Assert.Equal("TEST", c.DriverType.ToUpperInvariant());
        Assert.False(string.IsNullOrEmpty(c.Hostname));
        Assert.Contains("<capabilities>", c.GetCapabilities());
        // The test driver has no domain capabilities; the real-daemon tests read them.
        Assert.Equal("LibvirtNotSupported", Assert.Throws<LibvirtException>(() => c.GetDomainCapabilities(null, null, null, null)).ErrorId);
        var n = c.GetNodeInfo();
        Assert.True(n.Cpus > 0 && n.MemoryBytes > 0);
        Assert.True(LibvirtConnector.LibraryVersion() >= 1_000_000);
    }

    [Fact]
    public void Open_of_a_socket_path_that_does_not_exist_is_about_the_uri_with_the_uri()
    {
        // A typo in ?socket= looks to libvirt like any dead socket; the advice is about the path first.
        var uri = "qemu+unix:///system?socket=/nonexistent/virttools-test-sock";
        var e = Assert.Throws<LibvirtException>(() => LibvirtConnector.Open(uri));
        Assert.Equal("LibvirtSocketNotFound", e.ErrorId);
        Assert.Equal(FailureKind.ObjectNotFound, e.Kind);
        Assert.Contains(uri, e.Message);
        Assert.Contains("socket path in the URI", e.RecommendedAction);
        Assert.NotEqual(0, e.Code);
    }

    [Fact]
    public void Define_lookup_lifecycle_and_undefine()
    {
        using var c = LibvirtConnector.Open(TestUri);
        using (var d = c.DefineDomain(MinimalXml("bind-life"), DomainDefineFlags.Validate))
        {
            Assert.Equal("bind-life", d.Name);
            Assert.True(d.IsPersistent);
            Assert.False(d.IsActive);
            Assert.Null(d.Id);
            Assert.Equal(DomainState.ShutOff, d.GetState().State);
            Assert.Contains("<name>bind-life</name>", d.GetXml(DomainXmlFlags.Inactive));
            d.Autostart = true;
            Assert.True(d.Autostart);
            d.Autostart = false;

            d.Start();
            Assert.True(d.IsActive);
            Assert.NotNull(d.Id);
            var info = d.GetInfo();
            Assert.Equal(DomainState.Running, info.State);
            Assert.Equal(128L << 20, info.MaxMemoryBytes);
            Assert.Equal(1, info.VirtualCpus);
            d.Suspend();
            Assert.Equal(DomainState.Paused, d.GetState().State);
            d.Resume();
            d.Reboot();
            d.Reset();
            Assert.Equal(DomainState.Running, d.GetState().State);
            d.Shutdown();
            Assert.Equal(DomainState.ShutOff, d.GetState().State);
            d.Start();
            d.Destroy(DomainDestroyFlags.Graceful);
            Assert.False(d.IsActive);
            d.Start();
            d.ManagedSave();
            Assert.True(d.HasManagedSave);
            d.RemoveManagedSave();
            Assert.False(d.HasManagedSave);
        }
        using (var byName = c.FindDomain("bind-life"))
        {
            Assert.NotNull(byName);
            var uuid = byName!.Uuid;
            using var byUuid = c.FindDomain(uuid);
            Assert.Equal("bind-life", byUuid!.Name);
            Assert.Contains(c.ListDomains(DomainListFlags.Inactive), x => x.Name == "bind-life");
            Assert.DoesNotContain(c.ListDomains(DomainListFlags.Active), x => x.Name == "bind-life");
            byName.Undefine(DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata);
        }
        Assert.Null(c.FindDomain("bind-life"));
        Assert.Null(c.FindDomain(Guid.NewGuid()));
    }

    [Fact]
    public void Errors_carry_code_domain_and_libvirts_message()
    {
        using var c = LibvirtConnector.Open(TestUri);
        var bad = Assert.Throws<LibvirtException>(() => c.DefineDomain("<domain type='test'><name>x</name><bogus/></domain>", DomainDefineFlags.Validate));
        Assert.Equal(ErrorCodes.XmlInvalidSchema, bad.Code);
        Assert.Equal("LibvirtRejectedXml", bad.ErrorId);
        Assert.Equal("virDomainDefineXMLFlags", bad.Operation);
        Assert.NotEqual(0, bad.ErrorDomain);
        using var d = c.DefineDomain(MinimalXml("bind-err"));
        try
        {
            // suspend of a stopped guest: the test driver's "not running" (code 55, OPERATION_INVALID)
            var e = Assert.Throws<LibvirtException>(() => d.Suspend());
            Assert.Equal("virDomainSuspend", e.Operation);
            Assert.Contains("not running", e.LibvirtMessage);
            Assert.Equal("bind-err", e.Target);
        }
        finally { d.Undefine(); }
    }

    [Fact]
    public void Errors_are_thread_local_and_cleared_after_reading()
    {
        using var c = LibvirtConnector.Open(TestUri);
        var seen = new string?[8];
        Parallel.For(0, 8, i =>
        {
            var ex = Record.Exception(() => c.DefineDomain($"<domain type='test'><name>t{i}</name><bad{i}/></domain>", DomainDefineFlags.Validate));
            seen[i] = (ex as LibvirtException)?.LibvirtMessage;
        });
        for (var i = 0; i < 8; i++) Assert.Contains($"bad{i}", seen[i]);
    }

    [Fact]
    public void Snapshots_create_list_revert_delete()
    {
        using var c = LibvirtConnector.Open(TestUri);
        using var d = c.DefineDomain(MinimalXml("bind-snap"));
        try
        {
            d.Start();
            using (var s1 = d.CreateSnapshot("<domainsnapshot><name>s1</name></domainsnapshot>"))
                Assert.Equal("s1", s1.Name);
            d.Suspend();
            using (var s2 = d.CreateSnapshot("<domainsnapshot><name>s2</name></domainsnapshot>", SnapshotCreateFlags.Atomic))
            {
                Assert.True(s2.IsCurrent);
                Assert.Contains("<name>s2</name>", s2.GetXml());
            }
            Assert.Equal(new[] { "s1", "s2" }, d.ListSnapshots().Select(s => s.Name).OrderBy(n => n));
            using (var s1 = d.FindSnapshot("s1")!)
                s1.Revert(SnapshotRevertFlags.Running);
            Assert.Equal(DomainState.Running, d.GetState().State);
            Assert.Equal("s1", d.CurrentSnapshot()!.Name);
            Assert.Null(d.FindSnapshot("nope"));
            using (var s1 = d.FindSnapshot("s1")!) s1.Delete(SnapshotDeleteFlags.Children);
            Assert.Empty(d.ListSnapshots());
            Assert.Null(d.CurrentSnapshot());
        }
        finally
        {
            d.Destroy();
            d.Undefine(DomainUndefineFlags.SnapshotsMetadata);
        }
    }

    [Fact]
    public void Storage_pool_and_volume_create_find_delete()
    {
        using var c = LibvirtConnector.Open(TestUri);
        Assert.Contains(c.ListStoragePools(), p => p.Name == "default-pool");
        Assert.Null(c.FindStoragePool("no-such-pool"));
        using var pool = c.DefineStoragePool("<pool type='dir'><name>bind-pool</name><target><path>/bind-pool</path></target></pool>");
        try
        {
            Assert.False(pool.IsActive);
            pool.Start();
            Assert.True(pool.IsActive);
            pool.Refresh();
            Assert.Contains("<name>bind-pool</name>", pool.GetXml());
            using var v = pool.CreateVolume("<volume><name>v1.qcow2</name><capacity unit='bytes'>1073741824</capacity>" +
                                            "<target><format type='qcow2'/></target></volume>");
            Assert.Equal("v1.qcow2", v.Name);
            Assert.Equal("/bind-pool/v1.qcow2", v.Path);
            Assert.Equal(1L << 30, v.CapacityBytes);
            Assert.Contains("qcow2", v.GetXml());
            Assert.Single(pool.ListVolumes(), x => x.Name == "v1.qcow2");
            using (var byPath = c.FindStorageVolume("/bind-pool/v1.qcow2")) Assert.Equal("v1.qcow2", byPath!.Name);
            var dup = Assert.Throws<LibvirtException>(() => pool.CreateVolume(
                "<volume><name>v1.qcow2</name><capacity>1</capacity></volume>"));
            Assert.Equal("virStorageVolCreateXML", dup.Operation);
            v.Delete();
            Assert.Null(pool.FindVolume("v1.qcow2"));
            Assert.Null(c.FindStorageVolume("/bind-pool/v1.qcow2"));
        }
        finally
        {
            if (pool.IsActive) pool.Stop();
            pool.Undefine();
        }
        Assert.Null(c.FindStoragePool("bind-pool"));
    }

    [Fact]
    public void Networks_are_found_by_name()
    {
        using var c = LibvirtConnector.Open(TestUri);
        Assert.True(c.NetworkExists("default"));
        Assert.False(c.NetworkExists("no-such-net"));
    }

    [Fact]
    public void Device_attach_and_job_calls_surface_the_test_drivers_refusal()
    {
        using var c = LibvirtConnector.Open(TestUri);
        using var d = c.DefineDomain(MinimalXml("bind-dev"));
        try
        {
            // The test driver has no device hotplug, job statistics or migration; what matters here is
            // that each call reaches libvirt and its refusal arrives as a LibvirtException.
            var attach = Assert.Throws<LibvirtException>(() => d.AttachDevice("<disk type='file'><source file='/x'/><target dev='vdb'/></disk>", DomainModificationFlags.Config));
            Assert.Equal("virDomainAttachDeviceFlags", attach.Operation);
            var detach = Assert.Throws<LibvirtException>(() => d.DetachDevice("<disk type='file'><source file='/x'/><target dev='vdb'/></disk>", DomainModificationFlags.Config));
            Assert.Equal("virDomainDetachDeviceFlags", detach.Operation);
            d.Start();
            Assert.Equal("virDomainGetJobStats", Assert.Throws<LibvirtException>(() => d.GetJobStats()).Operation);
            Assert.Equal("virDomainAbortJob", Assert.Throws<LibvirtException>(() => d.AbortJob()).Operation);
            var mig = Assert.Throws<LibvirtException>(() => d.MigrateToUri("test:///default",
                new Dictionary<string, object> { [MigrateParameters.Bandwidth] = 10UL, [MigrateParameters.DestinationName] = "x" },
                MigrateFlags.Live | MigrateFlags.PeerToPeer));
            Assert.Equal(ErrorCodes.ArgumentUnsupported, mig.Code);
        }
        finally
        {
            d.Destroy();
            d.Undefine();
        }
    }

    [Fact]
    public void Typed_parameters_round_trip_through_libvirts_own_builders()
    {
        LibvirtNative.EnsureInitialized();
        var input = new Dictionary<string, object>
        {
            ["s"] = "unix:///tmp/x", ["i"] = -3, ["u"] = 7u, ["l"] = -1L << 40, ["ul"] = 1UL << 63, ["d"] = 2.5, ["b"] = true,
        };
        var (p, n) = TypedParams.Build(input);
        try
        {
            var back = TypedParams.Read(p, n);
            Assert.Equal(input.Count, n);
            foreach (var (k, v) in input) Assert.Equal(v, back[k]);
        }
        finally { LibvirtNative.virTypedParamsFree(p, n); }
        Assert.Throws<ArgumentException>(() => TypedParams.Build(new Dictionary<string, object> { ["x"] = new object() }));
    }

    [Fact]
    public void Default_uri_is_the_variable_then_xen_on_dom0_then_qemu()
    {
        var old = Environment.GetEnvironmentVariable(LibvirtConnector.UriVariable);
        var root = Path.Combine(Path.GetTempPath(), "vt-uri-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "proc/xen"));
            var fs = new DiskFileSystem(root);
            Environment.SetEnvironmentVariable(LibvirtConnector.UriVariable, null);
            Assert.Equal("qemu:///system", LibvirtConnector.DefaultUri(fs));
            File.WriteAllText(Path.Combine(root, "proc/xen/capabilities"), "control_d\n");
            Assert.Equal("xen:///system", LibvirtConnector.DefaultUri(fs));
            Environment.SetEnvironmentVariable(LibvirtConnector.UriVariable, "qemu+ssh://vhs01/system");
            Assert.Equal("qemu+ssh://vhs01/system", LibvirtConnector.DefaultUri(fs));
        }
        finally
        {
            Environment.SetEnvironmentVariable(LibvirtConnector.UriVariable, old);
            Directory.Delete(root, true);
        }
    }
}
