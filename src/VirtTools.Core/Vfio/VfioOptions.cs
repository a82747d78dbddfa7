namespace VirtTools.Vfio;

public sealed class VfioOptions
{
    /// <summary>Enable: the pass-through driver (default vfio-pci). Disable: the host driver to bind, or null for "whatever matches".</summary>
    public string? Driver { get; set; }
    public bool IncludeIommuGroup { get; set; }
    public bool Force { get; set; }
    public bool Persist { get; set; }
    /// <summary>SSH_CONNECTION of the session, for the SSH-interface guard.</summary>
    public string? SshConnection { get; set; }
    /// <summary>Asynchronous probes (nvme, GPUs) bind after drivers_probe returns: about 0.5 s measured on 6.1.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(50);
    public int PollAttempts { get; set; } = 60;
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Told while another command holds the IOMMU group's lock.</summary>
    public Action<VirtTools.Host.LockWait>? LockWaiting { get; set; }
    public Action<TimeSpan> Sleep { get; set; } = Thread.Sleep;
}
