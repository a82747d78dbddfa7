namespace VirtTools.Libvirt;

public partial interface ILibvirtConnection
{
    /// <summary>Starts watching <paramref name="domain"/> for the events of a reboot (Restart-VMGuest's wait).</summary>
    IGuestRebootWatch WatchReboot(ILibvirtDomain domain);
}
