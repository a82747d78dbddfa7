using VirtTools.Host;
using VirtTools.Pci;

namespace VirtTools.Commands;

/// <summary>Completes SR-IOV physical functions only (functions with sriov_totalvfs): -PhysicalFunction of Set-SriovVf.</summary>
public sealed class SriovPhysicalFunctionCompleter : PciAddressCompleter
{
    protected override bool Include(IHostFileSystem files, PciAddress address) =>
        files.FileExists(VirtTools.Sriov.SriovConfigurator.TotalVfsPath(address));
}
