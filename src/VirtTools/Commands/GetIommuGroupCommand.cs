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
        try { PciDeviceReader.EnsureHostRoot(HostContext.Files); }
        catch (VirtToolsException e) { ThrowTerminatingError(e); }
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
        if (!any) WriteWarning(IommuOff("This host has no IOMMU groups"));
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
        WriteError(new VirtToolsException("NoIommuGroup", FailureKind.NotEnabled,
            IommuOff($"PCI device {d.Address} is in no IOMMU group"), d.Address,
            "Enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware setup, add intel_iommu=on (Intel; AMD enables it by default) " +
            "to GRUB_CMDLINE_LINUX in /etc/default/grub, regenerate the boot configuration (update-bootloader on SLES, " +
            "grub2-mkconfig elsewhere) and reboot."), d.Address);
    }

    private static string IommuOff(string what) =>
        $"{what}: the IOMMU is off or absent, so no device can be passed through with VFIO. " +
        "Turn it on in the firmware (VT-d / AMD-Vi) and on the kernel command line (intel_iommu=on for Intel), then reboot.";
}
