namespace VirtTools.Libvirt;

/// <summary>Changing a guest's size and identity (Set-VMGuest).</summary>
public partial interface ILibvirtDomain
{
    /// <summary>virDomainSetMemoryFlags: the balloon target, or with <see cref="DomainMemoryFlags.Maximum"/> the ceiling; bytes, rounded down to KiB.</summary>
    void SetMemory(long bytes, DomainMemoryFlags flags);
    /// <summary>virDomainSetVcpusFlags: the vCPU count (hot-plug when live), or with <see cref="DomainVcpuFlags.Maximum"/> the ceiling.</summary>
    void SetVcpus(int count, DomainVcpuFlags flags);
    /// <summary>virDomainSetMetadata for description or title; null removes it.</summary>
    void SetMetadata(DomainMetadataType type, string? value, DomainModificationFlags flags);
    /// <summary>virDomainRename: only an inactive guest. This object keeps answering to the old name; look the guest up again.</summary>
    void Rename(string newName);
}
