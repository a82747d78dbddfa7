using System.Management.Automation;
using VirtTools.Host;
using VirtTools.Pci;
using VirtTools.Sriov;

namespace VirtTools.Commands;

/// <summary>
/// Lists the VFs of network PFs with the settings their PF's driver keeps (MAC, VLAN, rates, spoof
/// check, trust, link state), as `ip -d link show` reports them, and each VF's own driver and interface.
/// A VF's address lists that VF.
/// </summary>
[Cmdlet(VerbsCommon.Get, "SriovVf", HelpUri = VirtToolsCmdlet.HelpBase + "Get-SriovVf.md")]
[OutputType(typeof(SriovVf))]
public sealed class GetSriovVfCommand : PciAddressCommandBase
{
    /// <summary>Optional here: without it, the VFs of every SR-IOV PF (a list should not prompt for an address).</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PciAddress", "Bdf")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PciAddressCompleter))]
    public override string[] Address { get; set; } = ["*"];

    /// <summary>Only these VF numbers.</summary>
    [Parameter(Position = 1)]
    [ValidateRange(0, 65535)]
    public int[]? Index { get; set; }

    /// <summary>A wildcard means "the SR-IOV PFs among these".</summary>
    protected override bool WildcardFilter(PciAddress address) => HostContext.Files.FileExists(SriovConfigurator.TotalVfsPath(address));

    protected override void ProcessRecord()
    {
        var manager = new SriovVfManager(HostContext);
        foreach (var a in ExpandAddresses())
        {
            if (!TryPlan(a, () => manager.Read(a), out var vfs)) continue;
            var list = Index is null ? vfs : vfs.Where(v => Index.Contains(v.Index)).ToList();
            if (Index is not null)
                foreach (var missing in Index.Where(i => !vfs.Any(v => v.Index == i)))
                    WriteError(new VirtToolsException(SriovVfManager.Ids.IndexOutOfRange, FailureKind.ObjectNotFound,
                        $"{a} has {vfs.Count} VFs" + (vfs.Count > 0 ? $", numbered 0 to {vfs.Count - 1}" : "") + $"; there is no VF {missing}.",
                        a.ToString(), $"Run Get-SriovVf {a} to list its VFs; Set-SriovVfCount {a} -Count <n> creates more."), a.ToString());
            WriteObject(list, enumerateCollection: true);
        }
    }
}
