namespace VirtTools.Libvirt;

internal sealed partial class NativeConnection
{
    public IGuestRebootWatch WatchReboot(ILibvirtDomain domain) =>
        // The test driver reboots inside virDomainReboot (shut down and running again before it returns).
        string.Equals(DriverType, "Test", StringComparison.OrdinalIgnoreCase)
            ? new FinishedRebootWatch()
            : new NativeRebootWatch(Uri, domain.Uuid);
}
