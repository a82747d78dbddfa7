namespace VirtTools;

/// <summary>The formats New-VMStorageVolume writes.</summary>
public enum VolumeFormat { Qcow2, Raw }
