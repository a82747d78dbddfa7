namespace VirtTools.Migration;

/// <summary>What Move-VMGuest was asked for (virsh migrate's options).</summary>
public sealed record MigrationRequest(
    string DestinationUri, bool Offline = false, string? MigrationUri = null, long? BandwidthMiBps = null,
    bool CopyStorage = false, bool Persistent = false, bool UndefineSource = false);
