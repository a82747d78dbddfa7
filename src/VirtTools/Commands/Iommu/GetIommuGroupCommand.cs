using System.Management.Automation;
using VirtTools.Iommu;
using VirtTools.Pci;

namespace VirtTools.Commands;

/// <summary>Lists IOMMU groups, their members, and whether each group can be passed through now.</summary>
[Cmdlet(VerbsCommon.Get, "IommuGroup", HelpUri = VirtToolsCmdlet.HelpBase + "Get-IommuGroup.md")]
[OutputType(typeof(IommuGroup))]
public sealed class GetIommuGroupCommand : VirtToolsCmdlet
{
    private IommuGroupReader _groups = null!;
    private PciDeviceReader _pci = null!;
    private readonly HashSet<int> _emitted = new();

    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("IommuGroup")]
    [ArgumentCompleter(typeof(IommuGroupNumberCompleter))]
    public int[]? Number { get; set; }

    /// <summary>The group of this device; bound from a piped PciDevice's Address.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(PciAddressCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Address { get; set; }

    protected override void BeginProcessing()
    {
        _pci = new PciDeviceReader(HostContext.Files);
        _groups = new IommuGroupReader(_pci);
    }

    protected override void ProcessRecord()
    {
        if (Number is { Length: > 0 })
        {
            foreach (var n in Number) Emit(n);
            return;
        }
        if (Address is { Length: > 0 })
        {
            foreach (var text in Address) EmitGroupOf(text);
            return;
        }
        var any = false;
        foreach (var g in _groups.ReadAll())
        {
            any = true;
            if (_emitted.Add(g.Number)) WriteObject(g);
        }
        if (!any) WriteWarning(IommuAbsence.Explain(HostContext, "This host has no IOMMU groups").Message);
    }

    private void Emit(int n)
    {
        if (_emitted.Contains(n)) return;
        try
        {
            var g = _groups.Read(n);
            _emitted.Add(n);
            WriteObject(g);
        }
        catch (VirtToolsException e) { WriteError(e, n); }
    }

    private void EmitGroupOf(string text)
    {
        PciAddress a;
        try { a = _pci.Find(text); }
        catch (VirtToolsException e)
        {
            WriteError(e, text);
            return;
        }
        var d = _pci.Read(a);
        if (d.IommuGroup is int n) { Emit(n); return; }
        var (message, action) = IommuAbsence.Explain(HostContext, $"PCI device {d.Address} is in no IOMMU group");
        WriteError(new VirtToolsException("NoIommuGroup", FailureKind.NotEnabled, message, d.Address, action), d.Address);
    }
}
