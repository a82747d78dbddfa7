using VirtTools.Libvirt;

namespace VirtTools.Tests.Guests;

public sealed partial class FaultyConnection
{
    /// <summary>Every UpdateDevice/BlockResize call, in order, as "op flags detail".</summary>
    public List<string> DiskCalls { get; } = new();

    /// <summary>
    /// Live attach/detach answered here as a QEMU daemon would (the test driver has no hot-plug), and
    /// recorded in <see cref="DiskCalls"/> as "attach Live vdb": the order of a change and its undo.
    /// </summary>
    public bool SimulateHotplug { get; set; }

    private bool FakeLiveDevice(string op, string xml, DomainModificationFlags flags)
    {
        if (!SimulateHotplug || flags != DomainModificationFlags.Live) return false;
        var target = (string?)System.Xml.Linq.XElement.Parse(xml).Element("target")?.Attribute("dev") ?? "?";
        DiskCalls.Add($"{op} {flags} {target}");
        return true;
    }

    private sealed partial class FaultyDomain
    {
        public void BlockResize(string disk, long bytes)
        {
            owner.DiskCalls.Add($"blockresize {disk} {bytes}");
            d.BlockResize(disk, bytes);
        }

        public LibvirtBlockInfo GetBlockInfo(string disk) => d.GetBlockInfo(disk);
    }
}
