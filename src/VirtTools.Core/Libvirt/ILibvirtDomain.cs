namespace VirtTools.Libvirt;

public sealed record LibvirtDomainInfo(DomainState State, long MaxMemoryBytes, long MemoryBytes, int VirtualCpus, TimeSpan CpuTime);

public sealed record LibvirtJobStats(DomainJobType Type, IReadOnlyDictionary<string, object> Values);

public partial interface ILibvirtDomain : IDisposable
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
