namespace VirtTools.Libvirt;

public partial interface ILibvirtStoragePool
{
    /// <summary>virStorageVolCreateXMLFrom: a new volume (of the XML's name and format) holding a full copy of <paramref name="source"/>.</summary>
    ILibvirtStorageVolume CreateVolumeFrom(string xml, ILibvirtStorageVolume source, StorageVolumeCreateFlags flags = StorageVolumeCreateFlags.None);
}
