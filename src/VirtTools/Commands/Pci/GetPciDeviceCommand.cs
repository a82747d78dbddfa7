using System.Management.Automation;
using VirtTools.Capability;
using VirtTools.Pci;

namespace VirtTools.Commands;

/// <summary>Lists PCI functions from sysfs, with pci.ids names, drivers, IOMMU groups and SR-IOV relations.</summary>
[Cmdlet(VerbsCommon.Get, "PciDevice", HelpUri = VirtToolsCmdlet.HelpBase + "Get-PciDevice.md")]
[OutputType(typeof(PciDevice))]
public sealed class GetPciDeviceCommand : VirtToolsCmdlet
{
    private PciDeviceReader _reader = null!;
    private Func<PciDevice, bool>[]? _classes;
    private WildcardPattern[]? _vendors, _devices, _drivers;
    // How many devices each filter let through, to say which one matched nothing on this host.
    private readonly Dictionary<string, int> _passed = new(StringComparer.Ordinal);

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PciAddressCompleter))]
    public string[]? Address { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PciClassCompleter))]
    public string[]? Class { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VendorIdCompleter))]
    public string[]? VendorId { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(DeviceIdCompleter))]
    public string[]? DeviceId { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PciDriverCompleter))]
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
        _reader = new PciDeviceReader(HostContext.Files);
        try
        {
            if (CapabilityReader.IsEmptyRoot(HostContext.Files) && !RootIsBare)
                WriteWarning(CapabilityReader.EmptyRootWarning(HostContext.Files, "there are no PCI devices to read"));
            if (PciConfigAccess.Warning(HostContext.Privileges) is { } unprivileged) WriteWarning(unprivileged);
            _classes = Class?.Select(c => PciClassFilter.ParseForDevices(c, _reader.Ids)).ToArray();
        }
        catch (VirtToolsException e) { ThrowTerminatingError(e); }
        _vendors = Patterns(VendorId, PciIdText.NormalizeId);
        _devices = Patterns(DeviceId, PciIdText.NormalizeId);
        _drivers = Patterns(Driver, PciIdText.NormalizeDriver);
    }

    protected override void EndProcessing()
    {
        void Say(string name, string[]? values)
        {
            if (values is not null && _passed.GetValueOrDefault(name) == 0)
                WriteVerbose($"-{name} '{string.Join("', '", values)}' matches no PCI function on this host{(HostContext.IsLiveRoot ? "" : $" ({HostContext.Files.Root})")}.");
        }
        Say(nameof(Class), Class);
        Say(nameof(VendorId), VendorId);
        Say(nameof(DeviceId), DeviceId);
        Say(nameof(Driver), Driver);
        Say(nameof(IommuGroup), IommuGroup?.Select(g => g.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
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

    private HostUsage.GuestDeviceUses? _guests;

    private void Emit(PciDevice d)
    {
        if (!Matches(d)) return;
        if (_guests is null)
        {
            _guests = HostUsage.GuestDeviceUses.ForHost(HostContext);
            // Said once, before the first device.
            foreach (var p in _guests.Problems.Where(p => !p.EndsWith(VirtTools.Host.HostIOException.Describe(VirtTools.Host.Errno.ENOENT), StringComparison.Ordinal)))
                WriteVerbose($"AssignedToGuest: {p}");
        }
        if (PciAddress.TryParse(d.Address, out var a)) d.AssignedToGuest = _guests.GuestOf(a);
        foreach (var p in d.Problems) WriteWarning($"{d.Address}: {p}");
        WriteObject(d);
    }

    private bool Matches(PciDevice d)
    {
        // Every filter is counted on its own (not only up to the first that fails), for EndProcessing's verbose note.
        var ok = Count(nameof(Class), _classes is null || _classes.Any(c => c(d)));
        ok &= Count(nameof(VendorId), _vendors is null || AnyMatch(_vendors, PciIdText.NormalizeId(d.VendorId)));
        ok &= Count(nameof(DeviceId), _devices is null || AnyMatch(_devices, PciIdText.NormalizeId(d.DeviceId)));
        ok &= Count(nameof(Driver), _drivers is null || AnyMatch(_drivers, PciIdText.NormalizeDriver(d.Driver)));
        ok &= Count(nameof(IommuGroup), IommuGroup is null || d.IommuGroup is int g && Array.IndexOf(IommuGroup, g) >= 0);
        if (!ok) return false;
        if (PhysicalFunction && d.SriovTotalVfs is null) return false;
        if (VirtualFunction && !d.IsVirtualFunction) return false;
        return true;
    }

    private bool FilterGiven(string filter) => filter switch
    {
        nameof(Class) => Class is not null,
        nameof(VendorId) => VendorId is not null,
        nameof(DeviceId) => DeviceId is not null,
        nameof(Driver) => Driver is not null,
        _ => IommuGroup is not null,
    };

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

    private bool Count(string filter, bool passed)
    {
        // Only given filters are reported (EndProcessing), so only they are counted.
        if (passed && FilterGiven(filter)) _passed[filter] = _passed.GetValueOrDefault(filter) + 1;
        return passed;
    }

    private static WildcardPattern[]? Patterns(string[]? values, Func<string?, string?> normalize) =>
        values?.Select(v => new WildcardPattern(normalize(v.Trim()) ?? "", WildcardOptions.IgnoreCase)).ToArray();

    private static bool AnyMatch(WildcardPattern[] patterns, string? value)
    {
        if (value is null) return false;
        foreach (var p in patterns)
            if (p.IsMatch(value)) return true;
        return false;
    }
}
