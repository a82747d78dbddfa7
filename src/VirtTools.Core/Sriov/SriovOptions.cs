namespace VirtTools.Sriov;

public sealed class SriovOptions
{
    /// <summary>Write sriov_drivers_autoprobe before enabling; null leaves the file alone.</summary>
    public bool? AutoProbe { get; set; }
    /// <summary>Destroy VFs that something on the host still uses (never one held open through VFIO).</summary>
    public bool Force { get; set; }
    /// <summary>Keep the count in VirtTools' udev rules file, so it comes back whenever the PF's driver binds.</summary>
    public bool Persist { get; set; }
    /// <summary>SSH_CONNECTION of the session, for the SSH-interface guard.</summary>
    public string? SshConnection { get; set; }
    /// <summary>
    /// How long to wait for the virtfnN links after a write. The kernel creates them before the write
    /// returns (2 VFs in 0.21 s on 6.1), so this bounds a driver that enables VFs asynchronously.
    /// </summary>
    public TimeSpan VfWaitTimeout { get; set; } = TimeSpan.FromSeconds(30);
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Told while another command holds the PF's lock.</summary>
    public Action<VirtTools.Host.LockWait>? LockWaiting { get; set; }
    public Action<TimeSpan> Sleep { get; set; } = Thread.Sleep;
    /// <summary>Called while waiting for VFs: (links present, links wanted, seconds waited).</summary>
    public Action<int, int, double>? Progress { get; set; }
}
