namespace VirtTools.Networking;

/// <summary>What Add-VMGuestNetworkAdapter was asked for: a network or a bridge; nulls take the defaults.</summary>
public sealed class NicRequest
{
    public string? Network { get; init; }
    public string? Bridge { get; init; }
    /// <summary>Null: one is generated in 52:54:00, avoiding every MAC of the connection's guests.</summary>
    public string? MacAddress { get; init; }
    /// <summary>Null: virtio (Xen: netfront on PVHVM, e1000 on FV, none on PV).</summary>
    public string? Model { get; init; }
}
