namespace VirtTools.Libvirt;

public partial interface ILibvirtStoragePool
{
    bool Autostart { get; set; }
    bool IsPersistent { get; }
    /// <summary>virStoragePoolBuild: makes the pool's storage (a dir pool's directory).</summary>
    void Build();
    /// <summary>virStoragePoolDelete: removes the pool's storage (a dir pool's directory, which must be empty); the pool stays defined.</summary>
    void DeleteStorage();
}
