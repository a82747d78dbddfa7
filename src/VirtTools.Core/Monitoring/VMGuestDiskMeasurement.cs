namespace VirtTools;

/// <summary>One disk of a measured guest: counters since the guest started and rates over the interval.</summary>
public sealed class VMGuestDiskMeasurement
{
    /// <summary>The target (vda, sda).</summary>
    public string Name { get; internal init; } = "";
    public string? Path { get; internal init; }
    public long? ReadBytes { get; internal init; }
    public long? WriteBytes { get; internal init; }
    public long? ReadOperations { get; internal init; }
    public long? WriteOperations { get; internal init; }
    public double? ReadBytesPerSecond { get; internal init; }
    public double? WriteBytesPerSecond { get; internal init; }
    public double? ReadOperationsPerSecond { get; internal init; }
    public double? WriteOperationsPerSecond { get; internal init; }

    public override string ToString() => Name;
}
