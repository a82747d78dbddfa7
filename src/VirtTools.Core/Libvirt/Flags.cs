namespace VirtTools.Libvirt;

// Values of libvirt's own enums (libvirt-domain.h, libvirt-storage.h, libvirt-domain-snapshot.h).

public enum DomainState { NoState = 0, Running = 1, Blocked = 2, Paused = 3, ShuttingDown = 4, ShutOff = 5, Crashed = 6, PMSuspended = 7 }

[Flags]
public enum DomainListFlags : uint
{
    All = 0, Active = 1, Inactive = 2, Persistent = 4, Transient = 8, Running = 16, Paused = 32, ShutOff = 64, Other = 128,
    ManagedSave = 256, NoManagedSave = 512, Autostart = 1024, NoAutostart = 2048, HasSnapshot = 4096, NoSnapshot = 8192,
}

[Flags] public enum DomainDefineFlags : uint { None = 0, Validate = 1 }

[Flags]
public enum DomainUndefineFlags : uint
{
    None = 0, ManagedSave = 1, SnapshotsMetadata = 2, Nvram = 4, KeepNvram = 8, CheckpointsMetadata = 16, Tpm = 32, KeepTpm = 64,
}

[Flags] public enum DomainCreateFlags : uint { None = 0, Paused = 1, AutoDestroy = 2, BypassCache = 4, ForceBoot = 8, Validate = 16, ResetNvram = 32 }

/// <summary>Shutdown and reboot methods (VIR_DOMAIN_SHUTDOWN_* = VIR_DOMAIN_REBOOT_*). Default lets the driver pick (qemu tries the agent first).</summary>
[Flags] public enum DomainShutdownFlags : uint { Default = 0, AcpiPowerButton = 1, GuestAgent = 2, Initctl = 4, Signal = 8, Paravirt = 16 }

[Flags] public enum DomainDestroyFlags : uint { Default = 0, Graceful = 1 }

[Flags] public enum DomainXmlFlags : uint { None = 0, Secure = 1, Inactive = 2, UpdateCpu = 4, Migratable = 8 }

/// <summary>virDomainModificationImpact / VIR_DOMAIN_AFFECT_*: virsh's --current, --live, --config.</summary>
[Flags] public enum DomainModificationFlags : uint { Current = 0, Live = 1, Config = 2 }

[Flags]
public enum SnapshotCreateFlags : uint
{
    None = 0, Redefine = 1, Current = 2, NoMetadata = 4, Halt = 8, DiskOnly = 16, ReuseExternal = 32, Quiesce = 64, Atomic = 128,
    Live = 256, Validate = 512,
}

[Flags] public enum SnapshotListFlags : uint { All = 0, Descendants = 1, Roots = 1, Metadata = 2, Leaves = 4, NoLeaves = 8, NoMetadata = 16, Inactive = 32, Active = 64, DiskOnly = 128, Internal = 256, External = 512, Topological = 1024 }

[Flags] public enum SnapshotRevertFlags : uint { None = 0, Running = 1, Paused = 2, Force = 4, ResetNvram = 8 }

[Flags] public enum SnapshotDeleteFlags : uint { None = 0, Children = 1, MetadataOnly = 2, ChildrenOnly = 4 }

[Flags]
public enum MigrateFlags : uint
{
    None = 0, Live = 1, PeerToPeer = 2, Tunnelled = 4, PersistDestination = 8, UndefineSource = 16, Paused = 32,
    NonSharedDisk = 64, NonSharedIncremental = 128, ChangeProtection = 256, Unsafe = 512, Offline = 1024, Compressed = 2048,
    AbortOnError = 4096, AutoConverge = 8192, RdmaPinAll = 16384, PostCopy = 32768, Tls = 65536, Parallel = 131072,
}

[Flags] public enum StorageVolumeCreateFlags : uint { None = 0, PreallocateMetadata = 1, Reflink = 2 }

[Flags] public enum StorageVolumeDeleteFlags : uint { Normal = 0, Zeroed = 1, WithSnapshots = 2 }

/// <summary>VIR_DOMAIN_JOB_*: the kind of job virDomainGetJobStats reports.</summary>
public enum DomainJobType { None = 0, Bounded = 1, Unbounded = 2, Completed = 3, Failed = 4, Cancelled = 5 }

/// <summary>VIR_DOMAIN_JOB_STATS_*.</summary>
[Flags] public enum JobStatsFlags : uint { None = 0, Completed = 1, KeepCompleted = 2 }
