namespace VirtTools.Libvirt;

public partial interface ILibvirtStoragePool
{
    /// <summary>
    /// virStorageVolCreateXMLFrom: a new volume in this pool, described by <paramref name="xml"/>, filled
    /// with the contents of <paramref name="source"/> (which may be in another pool). Synchronous: it
    /// returns when libvirt has copied the data.
    /// </summary>
    ILibvirtStorageVolume CreateVolumeFrom(string xml, ILibvirtStorageVolume source, StorageVolumeCreateFlags flags = StorageVolumeCreateFlags.None);
}
