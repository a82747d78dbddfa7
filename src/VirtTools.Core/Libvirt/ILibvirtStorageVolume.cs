namespace VirtTools.Libvirt;

public interface ILibvirtStorageVolume : IDisposable
{
    string Name { get; }
    string Path { get; }
    long CapacityBytes { get; }
    string GetXml();
    void Delete(StorageVolumeDeleteFlags flags = StorageVolumeDeleteFlags.Normal);
}
