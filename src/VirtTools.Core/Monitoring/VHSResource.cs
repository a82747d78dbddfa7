namespace VirtTools;

/// <summary>
/// A host's capacity and what its running guests have committed of it (Get-VHSResource): "can this host
/// take another guest?" A snapshot; counts of processors are logical CPUs, sizes are bytes.
/// </summary>
public sealed class VHSResource
{
    public string ComputerName { get; internal init; } = "";
    public string ConnectionUri { get; internal init; } = "";
    public string CpuModel { get; internal init; } = "";
    /// <summary>Logical CPUs the host has online (virNodeGetInfo).</summary>
    public int ProcessorCount { get; internal init; }
    public int Sockets { get; internal init; }
    public int CoresPerSocket { get; internal init; }
    public int ThreadsPerCore { get; internal init; }
    public int NumaNodes { get; internal init; }
    public int Mhz { get; internal init; }
    public long MemoryBytes { get; internal init; }
    public long FreeMemoryBytes { get; internal init; }
    /// <summary>Huge pages per size (empty when the host has none configured or reports none).</summary>
    public VHSHugePages[] HugePages { get; internal init; } = Array.Empty<VHSHugePages>();
    public int RunningGuestCount { get; internal init; }
    /// <summary>vCPUs of the running guests (their current count), summed.</summary>
    public int CommittedProcessorCount { get; internal init; }
    /// <summary>Memory of the running guests (their current balloon size), summed.</summary>
    public long CommittedMemoryBytes { get; internal init; }
    /// <summary>Host CPUs minus committed vCPUs; negative when the host is overcommitted.</summary>
    public int UncommittedProcessorCount => ProcessorCount - CommittedProcessorCount;
    /// <summary>Host memory minus what running guests were given; negative when overcommitted.</summary>
    public long UncommittedMemoryBytes => MemoryBytes - CommittedMemoryBytes;

    public override string ToString() => ComputerName;
}
