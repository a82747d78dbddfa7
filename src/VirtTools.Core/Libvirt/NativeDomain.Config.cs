using static VirtTools.Libvirt.LibvirtNative;

namespace VirtTools.Libvirt;

internal sealed partial class NativeDomain
{
    internal DomainHandle Handle => _h;

    public void SetMemory(long bytes, DomainMemoryFlags flags) =>
        Check(virDomainSetMemoryFlags(_h, (ulong)(bytes / 1024), (uint)flags), "virDomainSetMemoryFlags");

    public void SetVcpus(int count, DomainVcpuFlags flags) =>
        Check(virDomainSetVcpusFlags(_h, (uint)count, (uint)flags), "virDomainSetVcpusFlags");

    public void SetMetadata(DomainMetadataType type, string? value, DomainModificationFlags flags) =>
        Check(virDomainSetMetadata(_h, (int)type, value, null, null, (uint)flags), "virDomainSetMetadata");

    /// <summary>The handle keeps the old name (virDomainGetName reads the handle's copy): look the guest up again after.</summary>
    public void Rename(string newName) => Check(virDomainRename(_h, newName, 0), "virDomainRename");
}
