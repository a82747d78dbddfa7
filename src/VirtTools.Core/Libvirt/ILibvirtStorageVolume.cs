namespace VirtTools.Libvirt;

public partial interface ILibvirtStorageVolume : IDisposable
{
    string Name { get; }
    string Path { get; }
    long CapacityBytes { get; }
    string GetXml();
    void Delete(StorageVolumeDeleteFlags flags = StorageVolumeDeleteFlags.Normal);
}
