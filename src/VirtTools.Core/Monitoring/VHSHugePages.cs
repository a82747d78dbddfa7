namespace VirtTools;

/// <summary>The host's huge pages of one size; Free is null when the source cannot tell.</summary>
public sealed class VHSHugePages
{
    public long PageSizeBytes { get; internal init; }
    public long Total { get; internal init; }
    public long? Free { get; internal init; }
    /// <summary>Where the counts came from: sysfs (/sys/kernel/mm/hugepages) or libvirt.</summary>
    public string Source { get; internal init; } = "";

    public override string ToString() => $"{PageSizeBytes / 1024} KiB: {Free?.ToString() ?? "?"}/{Total} free";
}
