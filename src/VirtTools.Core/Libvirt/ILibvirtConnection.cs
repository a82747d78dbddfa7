namespace VirtTools.Libvirt;

/// <summary>
/// The libvirt seam: everything VirtTools asks libvirt, over one connection. The native
/// implementation calls libvirt.so.0; tests run it on the test driver (test:///default) in process,
/// and decorate it to inject failures. Lookups return null for "no such object"; every other failure
/// is a <see cref="LibvirtException"/>. Objects handed out are IDisposable (each holds a libvirt
/// reference) and may outlive the connection.
/// </summary>
public partial interface ILibvirtConnection : IDisposable
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
