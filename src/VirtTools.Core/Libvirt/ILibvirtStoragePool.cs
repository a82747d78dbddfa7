namespace VirtTools.Libvirt;

public partial interface ILibvirtStoragePool : IDisposable
{
    string Name { get; }
    bool IsActive { get; }
    string GetXml();
    void Start();
    void Stop();
    void Undefine();
    void Refresh();
    IReadOnlyList<ILibvirtStorageVolume> ListVolumes();
    ILibvirtStorageVolume? FindVolume(string name);
    ILibvirtStorageVolume CreateVolume(string xml, StorageVolumeCreateFlags flags = StorageVolumeCreateFlags.None);
}
