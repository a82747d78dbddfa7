using System.Management.Automation;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>
/// Remove-Module closes the connections Connect-VHSLibvirt kept: nothing could disconnect them afterwards.
/// The registry is the process's, so this closes those other runspaces kept too; their next commands
/// connect on their own again.
/// </summary>
public sealed class ModuleCleanup : IModuleAssemblyCleanup
{
    public void OnRemove(PSModuleInfo psModuleInfo) => KeptLibvirtConnections.DisconnectAll();
}
