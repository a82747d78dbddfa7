namespace VirtTools.Guests;

public sealed partial class GuestRequest
{
    /// <summary>An install tree or ISO (directory, ISO path, http(s)/file URL) whose installer kernel the guest boots once (virt-install --location).</summary>
    public string? InstallSource { get; init; }
    /// <summary>An ISO of drivers for the installer (SUSE VMDP, virtio-win): one more read-only CD.</summary>
    public string? DriverMedia { get; init; }
}
