using System.Management.Automation;
using VirtTools.Pci;

namespace VirtTools.Commands;

/// <summary>Lists PCI functions from sysfs, with pci.ids names, drivers, IOMMU groups and SR-IOV relations.</summary>
[Cmdlet(VerbsCommon.Get, "PciDevice")]
[OutputType(typeof(PciDevice))]
public sealed class GetPciDeviceCommand : VirtToolsCmdlet
{
    private PciDeviceReader _reader = null!;
    private Func<string?, bool>[]? _classes;
    private WildcardPattern[]? _vendors, _devices, _drivers;

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PciAddressCompleter))]
    public string[]? Address { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PciClassCompleter))]
    public string[]? Class { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? VendorId { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? DeviceId { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Driver { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public int[]? IommuGroup { get; set; }

    /// <summary>Only SR-IOV physical functions.</summary>
    [Parameter]
    public SwitchParameter PhysicalFunction { get; set; }

    /// <summary>Only SR-IOV virtual functions.</summary>
    [Parameter]
    public SwitchParameter VirtualFunction { get; set; }

    /// <summary>Treat -Address as physical functions and output their virtual functions.</summary>
    [Parameter]
    public SwitchParameter VirtualFunctionOf { get; set; }

    protected override void BeginProcessing()
    {
        try
        {
            PciDeviceReader.EnsureHostRoot(HostContext.Files);
            _classes = Class?.Select(PciClassFilter.Parse).ToArray();
        }
        catch (VirtToolsException e) { ThrowTerminatingError(e); }
        _vendors = Patterns(VendorId);
        _devices = Patterns(DeviceId);
        _drivers = Patterns(Driver);
        _reader = new PciDeviceReader(HostContext.Files);
    }

    protected override void ProcessRecord()
    {
        foreach (var d in _reader.Read(Select()))
        {
            if (VirtualFunctionOf)
            {
                if (d.SriovTotalVfs is null && d.VirtualFunctions.Length == 0)
                {
                    if (Address is not null)
                        WriteError(new VirtToolsException("NotPhysicalFunction", FailureKind.InvalidArgument,
                            $"{d.Address} is not an SR-IOV physical function, so it has no virtual functions.", d.Address,
                            "Run Get-PciDevice -PhysicalFunction to list the physical functions."));
                    continue;
                }
                foreach (var vf in d.VirtualFunctions)
                    if (PciAddress.TryParse(vf, out var va)) Emit(_reader.Read(va));
                continue;
            }
            Emit(d);
        }
    }

    private Dictionary<PciAddress, string>? _assigned;
    private bool _assignedRead;

    private void Emit(PciDevice d)
    {
        if (!Matches(d)) return;
        if (!_assignedRead)
        {
            _assigned = Guests.HostDeviceAssignments.TryReadLocal(HostContext);
            _assignedRead = true;
        }
        if (_assigned is not null && PciAddress.TryParse(d.Address, out var a) && _assigned.TryGetValue(a, out var guest))
            d.AssignedToGuest = guest;
        foreach (var p in d.Problems) WriteWarning($"{d.Address}: {p}");
        WriteObject(d);
    }

    private bool Matches(PciDevice d)
    {
        if (_classes is not null && !_classes.Any(c => c(d.ClassCode))) return false;
        if (_vendors is not null && !AnyMatch(_vendors, d.VendorId)) return false;
        if (_devices is not null && !AnyMatch(_devices, d.DeviceId)) return false;
        if (_drivers is not null && !AnyMatch(_drivers, d.Driver)) return false;
        if (IommuGroup is not null && (d.IommuGroup is not int g || Array.IndexOf(IommuGroup, g) < 0)) return false;
        if (PhysicalFunction && d.SriovTotalVfs is null) return false;
        if (VirtualFunction && !d.IsVirtualFunction) return false;
        return true;
    }

    /// <summary>The addresses this input record names, in order, each once; errors for the ones that do not resolve.</summary>
    private List<PciAddress> Select()
    {
        if (Address is null)
        {
            var all = _reader.ListAddresses().ToList();
            return all;
        }
        List<PciAddress>? listed = null;
        var chosen = new SortedSet<PciAddress>();
        foreach (var text in Address)
        {
            if (WildcardPattern.ContainsWildcardCharacters(text))
            {
                var p = new WildcardPattern(text.Trim(), WildcardOptions.IgnoreCase);
                listed ??= _reader.ListAddresses().ToList();
                foreach (var a in listed)
                {
                    var s = a.ToString();
                    // "03:00.*" is how lspci shows domain 0: match that form too.
                    if (p.IsMatch(s) || (a.Domain == 0 && p.IsMatch(s[5..]))) chosen.Add(a);
                }
                continue;
            }
            PciAddress addr;
            try { addr = _reader.Find(text); }
            catch (VirtToolsException e)
            {
                WriteError(e, text);
                continue;
            }
            chosen.Add(addr);
        }
        return chosen.ToList();
    }

    private static WildcardPattern[]? Patterns(string[]? values) =>
        values?.Select(v => new WildcardPattern(v.Trim(), WildcardOptions.IgnoreCase)).ToArray();

    private static bool AnyMatch(WildcardPattern[] patterns, string? value)
    {
        if (value is null) return false;
        foreach (var p in patterns)
            if (p.IsMatch(value)) return true;
        return false;
    }
}
