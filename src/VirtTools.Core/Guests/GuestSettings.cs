namespace VirtTools.Guests;

/// <summary>Which side of a guest a change reaches: virsh's --live, --config, or both (the default).</summary>
public enum GuestChangeScope { LiveAndPersistent, Live, Persistent }

/// <summary>What Set-VMGuest asks to change; null leaves a setting as it is.</summary>
public sealed record GuestSettings
{
    public long? MemoryBytes { get; init; }
    public long? MaximumMemoryBytes { get; init; }
    public int? ProcessorCount { get; init; }
    public int? MaximumProcessorCount { get; init; }
    public bool? AutoStart { get; init; }
    /// <summary>"" removes the description.</summary>
    public string? Description { get; init; }
    public string? NewName { get; init; }

    public bool IsEmpty => MemoryBytes is null && MaximumMemoryBytes is null && ProcessorCount is null && MaximumProcessorCount is null &&
                           AutoStart is null && Description is null && NewName is null;
}
