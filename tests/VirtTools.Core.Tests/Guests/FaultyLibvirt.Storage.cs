using VirtTools.Libvirt;

namespace VirtTools.Tests.Guests;

public sealed partial class FaultyConnection
{
    /// <summary>Every UpdateDevice/BlockResize call, in order, as "op flags detail".</summary>
    public List<string> DiskCalls { get; } = new();

    private sealed partial class FaultyDomain
    {
        public void UpdateDevice(string xml, DomainModificationFlags flags)
        {
            owner.DiskCalls.Add($"update {flags}");
            d.UpdateDevice(xml, flags);
        }

        public void BlockResize(string disk, long bytes)
        {
            owner.DiskCalls.Add($"blockresize {disk} {bytes}");
            d.BlockResize(disk, bytes);
        }

        public LibvirtBlockInfo GetBlockInfo(string disk) => d.GetBlockInfo(disk);
    }
}
