namespace VirtTools.Networking;

/// <summary>A route of the host's: its destination prefix, the interface it leaves by, and its table ("main" for /proc/net's).</summary>
public sealed record HostRoute(IPSubnet Destination, string Device, string Table = "main")
{
    public override string ToString() => Table == "main" ? $"{Destination} (dev {Device})" : $"{Destination} (dev {Device}, table {Table})";
}
