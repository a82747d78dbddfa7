using VirtTools.Libvirt;

namespace VirtTools.Tests.Guests;

/// <summary>A real test-driver connection that fails (or does nothing) on cue: the seam's decorator.</summary>
public sealed partial class FaultyConnection(ILibvirtConnection inner) : ILibvirtConnection
{
    public bool FailDefine { get; set; }
    public bool FailStart { get; set; }
    public bool IgnoreShutdown { get; set; }
    public bool FailList { get; set; }
    /// <summary>Refuse flags as libvirt 9.0's libxl driver did in the Xen lab (tests/xen): every call's flags are recorded.</summary>
    public bool AsLibxl { get; set; }
    public List<string> FlagCalls { get; } = new();

    private static LibvirtException Unsupported(uint flags, string function) =>
        new("virDomain", ErrorCodes.InvalidArg, 0, $"unsupported flags (0x{flags:x}) in function {function}", null, "LibvirtError", FailureKind.InvalidArgument);

    public static LibvirtException Injected(string op) =>
        new(op, ErrorCodes.InternalError, 0, "injected failure", null, "LibvirtError", FailureKind.NotSpecified);

    public string Uri => inner.Uri;
    public string DriverType => inner.DriverType;
    public string Hostname => inner.Hostname;
    public string GetCapabilities() => Counted(nameof(GetCapabilities), inner.GetCapabilities);
    public string GetDomainCapabilities(string? e, string? a, string? m, string? v) => inner.GetDomainCapabilities(e, a, m, v);
    public LibvirtNodeInfo GetNodeInfo() => Counted(nameof(GetNodeInfo), inner.GetNodeInfo);
    public ulong DaemonVersion => inner.DaemonVersion;
    public IReadOnlyList<ILibvirtDomain> ListDomains(DomainListFlags flags = DomainListFlags.All) =>
        FailList ? throw Injected("virConnectListAllDomains") : inner.ListDomains(flags).Select(Wrap).ToList();
    public ILibvirtDomain? FindDomain(string name) => inner.FindDomain(name) is { } d ? Wrap(d) : null;
    public ILibvirtDomain? FindDomain(Guid uuid) => inner.FindDomain(uuid) is { } d ? Wrap(d) : null;
    public ILibvirtDomain DefineDomain(string xml, DomainDefineFlags flags = DomainDefineFlags.None) =>
        FailDefine ? throw Injected("virDomainDefineXMLFlags") : Wrap(inner.DefineDomain(xml, flags));
    public bool NetworkExists(string name) => inner.NetworkExists(name);
    public IReadOnlyList<ILibvirtStoragePool> ListStoragePools() => inner.ListStoragePools();
    public ILibvirtStoragePool? FindStoragePool(string name) => inner.FindStoragePool(name);
    public ILibvirtStoragePool DefineStoragePool(string xml) => inner.DefineStoragePool(xml);
    public ILibvirtStorageVolume? FindStorageVolume(string path) => inner.FindStorageVolume(path);
    public void Dispose() => inner.Dispose();

    private ILibvirtDomain Wrap(ILibvirtDomain d) => new FaultyDomain(d, this);

    private sealed partial class FaultyDomain(ILibvirtDomain d, FaultyConnection owner) : ILibvirtDomain
    {
        public string Name => d.Name;
        public Guid Uuid => d.Uuid;
        public int? Id => d.Id;
        public (DomainState State, int Reason) GetState() => d.GetState();
        public LibvirtDomainInfo GetInfo() => d.GetInfo();
        public string GetXml(DomainXmlFlags flags = DomainXmlFlags.None) => d.GetXml(flags);
        public bool IsActive => d.IsActive;
        public bool IsPersistent => d.IsPersistent;
        public bool Autostart { get => d.Autostart; set => d.Autostart = value; }
        public bool HasManagedSave => d.HasManagedSave;
        public void Start(DomainCreateFlags flags = DomainCreateFlags.None)
        {
            if (owner.FailStart) throw Injected("virDomainCreateWithFlags");
            d.Start(flags);
        }
        public void Shutdown(DomainShutdownFlags flags = DomainShutdownFlags.Default)
        {
            owner.FlagCalls.Add($"shutdown {flags}");
            // libxl sends a PV guest's ACPI power button as a trigger, which fails.
            if (owner.AsLibxl && flags.HasFlag(DomainShutdownFlags.AcpiPowerButton))
                throw new LibvirtException("virDomainShutdownFlags", ErrorCodes.InternalError, 0, $"internal error: Failed to shutdown domain '1' with libxenlight", null, "LibvirtError", FailureKind.NotSpecified);
            if (!owner.IgnoreShutdown) d.Shutdown(flags);
        }
        public void Destroy(DomainDestroyFlags flags = DomainDestroyFlags.Default) => d.Destroy(flags);
        public void Reboot(DomainShutdownFlags flags = DomainShutdownFlags.Default)
        {
            owner.FlagCalls.Add($"reboot {flags}");
            if (owner.AsLibxl && flags != DomainShutdownFlags.Default) throw Unsupported((uint)flags, "libxlDomainReboot");
            d.Reboot(flags);
        }
        public void Reset()
        {
            owner.FlagCalls.Add("reset");
            if (owner.AsLibxl)
                throw new LibvirtException("virDomainReset", ErrorCodes.NoSupport, 0,
                    "this function is not supported by the connection driver: virDomainReset", null, "LibvirtError", FailureKind.NotImplemented);
            d.Reset();
        }
        public void Suspend() => d.Suspend();
        public void Resume() => d.Resume();
        public void ManagedSave() => d.ManagedSave();
        public void RemoveManagedSave() => d.RemoveManagedSave();
        public void Undefine(DomainUndefineFlags flags = DomainUndefineFlags.None)
        {
            owner.FlagCalls.Add($"undefine {flags}");
            var refused = flags & (DomainUndefineFlags.SnapshotsMetadata | DomainUndefineFlags.CheckpointsMetadata);
            if (owner.AsLibxl && refused != 0) throw Unsupported((uint)refused, "libxlDomainUndefineFlags");
            d.Undefine(flags);
        }
        // Two hooks: the storage tests fake a live hot-plug, the networking tests record and fail device calls.
        public void AttachDevice(string xml, DomainModificationFlags flags) { if (!owner.FakeLiveDevice("attach", xml, flags)) owner.Device("attach", xml, flags, () => d.AttachDevice(xml, flags)); }
        public void DetachDevice(string xml, DomainModificationFlags flags) { if (!owner.FakeLiveDevice("detach", xml, flags)) owner.Device("detach", xml, flags, () => d.DetachDevice(xml, flags)); }
        public LibvirtJobStats GetJobStats() => d.GetJobStats();
        public LibvirtJobStats GetJobStats(JobStatsFlags f) => d.GetJobStats(f);
        public ILibvirtDomain Migrate(ILibvirtConnection c, IReadOnlyDictionary<string, object> p, MigrateFlags f) => owner.FailMigrate ? throw Injected("virDomainMigrate3") : d.Migrate(c, p, f);
        public void AbortJob() => d.AbortJob();
        public void MigrateToUri(string? u, IReadOnlyDictionary<string, object> p, MigrateFlags f) => d.MigrateToUri(u, p, f);
        public ILibvirtSnapshot CreateSnapshot(string xml, SnapshotCreateFlags flags = SnapshotCreateFlags.None) => owner.Snapshot(flags, () => d.CreateSnapshot(xml, flags));
        public IReadOnlyList<ILibvirtSnapshot> ListSnapshots(SnapshotListFlags flags = SnapshotListFlags.All) => owner.AsLibxl
            ? throw new LibvirtException("virDomainListAllSnapshots", ErrorCodes.NoSupport, 0,
                "this function is not supported by the connection driver: virDomainListAllSnapshots", null, "LibvirtError", FailureKind.NotImplemented)
            : d.ListSnapshots(flags).Select(owner.WrapSnapshot).ToList();
        public ILibvirtSnapshot? FindSnapshot(string name) => d.FindSnapshot(name) is { } s ? owner.WrapSnapshot(s) : null;
        public ILibvirtSnapshot? CurrentSnapshot() => d.CurrentSnapshot();
        public void Dispose() => d.Dispose();
    }
}
