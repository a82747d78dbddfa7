namespace VirtTools;

/// <summary>A libvirt connection kept open for the session (Connect-VHSLibvirt).</summary>
public sealed class LibvirtConnectionInfo
{
    /// <summary>The URI as given: the key every command's -ConnectionUri is matched against (ordinal).</summary>
    public string Uri { get; internal init; } = "";
    /// <summary>The driver (virConnectGetType): QEMU, Xen, Test.</summary>
    public string Driver { get; internal init; } = "";
    public string Hostname { get; internal init; } = "";
    /// <summary>The daemon's libvirt version (the library's own for drivers without a daemon).</summary>
    public Version? LibvirtVersion { get; internal init; }
    /// <summary>Whether it answered when this object was made; a dead one is opened again by the next command that uses it.</summary>
    public bool IsAlive { get; internal init; }
    /// <summary>When the connection in use was opened (UTC).</summary>
    public DateTime ConnectedAt { get; internal init; }
    /// <summary>How often a dead connection was replaced by a new one since Connect-VHSLibvirt.</summary>
    public int Reconnects { get; internal init; }

    public override string ToString() => Uri;
}
