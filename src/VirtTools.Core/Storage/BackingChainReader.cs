using System.Xml.Linq;
using VirtTools.Libvirt;

namespace VirtTools.Storage;

/// <summary>
/// A shut-off guest's definition names no backing files (libvirt fills &lt;backingStore&gt; in only
/// while the guest runs): the pool's volume XML says what a qcow2 disk is an overlay of.
/// </summary>
public static class BackingChainReader
{
    public static void FillFromVolumes(IEnumerable<VMGuestDisk> disks, ILibvirtConnection c)
    {
        foreach (var disk in disks)
        {
            if (disk.Live || disk.BackingChain.Count > 0 || disk.Format != "qcow2" || disk.SourceType != "file" || disk.Source is not { } path) continue;
            try
            {
                using var vol = c.FindStorageVolume(path);
                if (vol is null) continue;
                disk.BackingChain = GuestDiskReader.BackingChain(XDocument.Parse(vol.GetXml()).Root!);
            }
            catch (LibvirtException) { }
        }
    }
}
