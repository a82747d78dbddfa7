namespace VirtTools.Networking;

/// <summary>What New-VMNetwork was asked for.</summary>
public sealed record NetworkRequest(string Name, NetworkMode Mode, IReadOnlyList<string> Subnets, string? Bridge, bool AutoStart, bool NoStart);
