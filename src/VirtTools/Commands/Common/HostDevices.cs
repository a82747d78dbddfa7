using VirtTools.Host;
using VirtTools.Pci;

namespace VirtTools.Commands;

/// <summary>The devices of the current host root for the completers: never an exception at the prompt.</summary>
internal static class HostDevices
{
    public static List<PciDevice> Read()
    {
        try { return new PciDeviceReader(HostContext.Current.Files).ReadAll().ToList(); }
        catch (Exception e) when (e is HostIOException or VirtToolsException) { return new List<PciDevice>(); }
    }
}
