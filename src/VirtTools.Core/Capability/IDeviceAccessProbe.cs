namespace VirtTools.Capability;

/// <summary>Whether this process may open a device node read-write. A seam: tests script it.</summary>
public interface IDeviceAccessProbe
{
    /// <summary>True/false on the live root; null when it cannot be told.</summary>
    bool? CanReadWrite(string hostPath);
}
