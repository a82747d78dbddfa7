namespace VirtTools.Libvirt;

/// <summary>
/// The libvirt seam: everything VirtTools asks libvirt, over one connection. The native
/// implementation calls libvirt.so.0; tests run it on the test driver (test:///default) in process,
/// and decorate it to inject failures. Lookups return null for "no such object"; every other failure
/// is a <see cref="LibvirtException"/>. Objects handed out are IDisposable (each holds a libvirt
/// reference) and may outlive the connection.
/// </summary>
public interface ILibvirtConnection : IDisposable
{
    /// <summary>The canonical URI libvirt resolved (virConnectGetURI), e.g. qemu:///system.</summary>
    string Uri { get; }
    /// <summary>The driver's name: QEMU, Xen, Test.</summary>
    string DriverType { get; }
    string Hostname { get; }
    string GetCapabilities();
    string GetDomainCapabilities(string? emulator, string? arch, string? machine, string? virtType);
    LibvirtNodeInfo GetNodeInfo();
    /// <summary>The daemon's libvirt version (virConnectGetLibVersion: major*1,000,000 + minor*1,000 + micro); its driver decides what it refuses.</summary>
    ulong DaemonVersion { get; }

    IReadOnlyList<ILibvirtDomain> ListDomains(DomainListFlags flags = DomainListFlags.All);
    ILibvirtDomain? FindDomain(string name);
    ILibvirtDomain? FindDomain(Guid uuid);
    ILibvirtDomain DefineDomain(string xml, DomainDefineFlags flags = DomainDefineFlags.None);

    bool NetworkExists(string name);

    IReadOnlyList<ILibvirtStoragePool> ListStoragePools();
    ILibvirtStoragePool? FindStoragePool(string name);
    /// <summary>Defines a persistent pool (virStoragePoolDefineXML); start it with <see cref="ILibvirtStoragePool.Start"/>.</summary>
    ILibvirtStoragePool DefineStoragePool(string xml);
    ILibvirtStorageVolume? FindStorageVolume(string path);
}

public sealed record LibvirtNodeInfo(string Model, long MemoryBytes, int Cpus, int Mhz, int Nodes, int Sockets, int Cores, int Threads);

public sealed record LibvirtDomainInfo(DomainState State, long MaxMemoryBytes, long MemoryBytes, int VirtualCpus, TimeSpan CpuTime);

public sealed record LibvirtJobStats(DomainJobType Type, IReadOnlyDictionary<string, object> Values);

public interface ILibvirtDomain : IDisposable
{
    string Name { get; }
    Guid Uuid { get; }
    /// <summary>The running instance's id; null when the guest is not running.</summary>
    int? Id { get; }
    (DomainState State, int Reason) GetState();
    LibvirtDomainInfo GetInfo();
    string GetXml(DomainXmlFlags flags = DomainXmlFlags.None);
    bool IsActive { get; }
    bool IsPersistent { get; }
    bool Autostart { get; set; }
    bool HasManagedSave { get; }

    void Start(DomainCreateFlags flags = DomainCreateFlags.None);
    void Shutdown(DomainShutdownFlags flags = DomainShutdownFlags.Default);
    void Destroy(DomainDestroyFlags flags = DomainDestroyFlags.Default);
    void Reboot(DomainShutdownFlags flags = DomainShutdownFlags.Default);
    void Reset();
    void Suspend();
    void Resume();
    void ManagedSave();
    void RemoveManagedSave();
    void Undefine(DomainUndefineFlags flags = DomainUndefineFlags.None);
    void AttachDevice(string xml, DomainModificationFlags flags);
    void DetachDevice(string xml, DomainModificationFlags flags);

    LibvirtJobStats GetJobStats();
    /// <summary>virDomainGetJobStats with flags: <see cref="JobStatsFlags.Completed"/> reads the last finished job (a migration's measured downtime).</summary>
    LibvirtJobStats GetJobStats(JobStatsFlags flags);
    void AbortJob();
    /// <summary>
    /// virDomainMigrate3: the caller holds both connections (virsh migrate without --p2p); returns the
    /// guest on the destination. Values are as for <see cref="MigrateToUri"/>.
    /// </summary>
    ILibvirtDomain Migrate(ILibvirtConnection destination, IReadOnlyDictionary<string, object> parameters, MigrateFlags flags);
    /// <summary>virDomainMigrateToURI3; values are string, int, uint, long, ulong, double or bool.</summary>
    void MigrateToUri(string? destinationUri, IReadOnlyDictionary<string, object> parameters, MigrateFlags flags);

    ILibvirtSnapshot CreateSnapshot(string xml, SnapshotCreateFlags flags = SnapshotCreateFlags.None);
    IReadOnlyList<ILibvirtSnapshot> ListSnapshots(SnapshotListFlags flags = SnapshotListFlags.All);
    ILibvirtSnapshot? FindSnapshot(string name);
    ILibvirtSnapshot? CurrentSnapshot();
}

public interface ILibvirtSnapshot : IDisposable
{
    string Name { get; }
    string GetXml();
    bool IsCurrent { get; }
    void Revert(SnapshotRevertFlags flags = SnapshotRevertFlags.None);
    void Delete(SnapshotDeleteFlags flags = SnapshotDeleteFlags.None);
}

public interface ILibvirtStoragePool : IDisposable
{
    string Name { get; }
    bool IsActive { get; }
    string GetXml();
    void Start();
    void Stop();
    void Undefine();
    void Refresh();
    IReadOnlyList<ILibvirtStorageVolume> ListVolumes();
    ILibvirtStorageVolume? FindVolume(string name);
    ILibvirtStorageVolume CreateVolume(string xml, StorageVolumeCreateFlags flags = StorageVolumeCreateFlags.None);
}

public interface ILibvirtStorageVolume : IDisposable
{
    string Name { get; }
    string Path { get; }
    long CapacityBytes { get; }
    string GetXml();
    void Delete(StorageVolumeDeleteFlags flags = StorageVolumeDeleteFlags.Normal);
}
