namespace VirtTools.Libvirt;

/// <summary>A libvirt virtual network (virsh net-*).</summary>
public partial interface ILibvirtNetwork : IDisposable
{
    string Name { get; }
    bool IsActive { get; }
    bool IsPersistent { get; }
    bool Autostart { get; set; }
    string GetXml();
    /// <summary>virNetworkCreate: starts a defined network.</summary>
    void Start();
    /// <summary>virNetworkDestroy: stops it; guests on it lose their link.</summary>
    void Stop();
    void Undefine();
}
