namespace VirtTools.Networking;

/// <summary>A route of the host's main table: its destination prefix and the interface it leaves by.</summary>
public sealed record HostRoute(IPSubnet Destination, string Device);
