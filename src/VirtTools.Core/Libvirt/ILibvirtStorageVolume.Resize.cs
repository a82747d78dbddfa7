namespace VirtTools.Libvirt;

public partial interface ILibvirtStorageVolume
{
    /// <summary>virStorageVolResize to a new capacity in bytes (grows only: VirtTools never asks it to shrink).</summary>
    void Resize(long bytes);
}
