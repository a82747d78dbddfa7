using System.Management.Automation;
using System.Xml.Linq;
using VirtTools.Guests;
using VirtTools.Libvirt;
using VirtTools.Pci;

namespace VirtTools.Commands;

/// <summary>What Add- and Remove-VMGuestHostDevice share: the guest, the devices, virsh's --live/--config.</summary>
public abstract class GuestHostDeviceCommandBase : GuestCmdletBase
{
    private readonly List<string> _devices = new();

    /// <summary>The guest (no wildcards: devices go to one guest).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VMGuestNameCompleter))]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Address")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PciAddressCompleter))]
    public string[] HostDevice { get; set; } = Array.Empty<string>();

    /// <summary>Change the running guest (virsh --live).</summary>
    [Parameter]
    public SwitchParameter Live { get; set; }

    /// <summary>Change the persistent definition (virsh --config).</summary>
    [Parameter]
    public SwitchParameter Persistent { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected DomainModificationFlags Flags =>
        (Live ? DomainModificationFlags.Live : 0) | (Persistent ? DomainModificationFlags.Config : 0);

    protected string Where => (Live.IsPresent, Persistent.IsPresent) switch
    {
        (true, true) => "the running guest and its definition",
        (true, false) => "the running guest",
        (false, true) => "the definition",
        _ => "the running guest, or its definition when it is shut off",
    };

    protected override void ProcessRecord() => _devices.AddRange(HostDevice);

    protected override void EndProcessing()
    {
        try
        {
            var c = Connection();
            using var d = c.FindDomain(Name);
            if (d is null)
            {
                WriteError(new VirtToolsException("GuestNotFound", FailureKind.ObjectNotFound, $"No guest named '{Name}' on {c.Uri}.", Name,
                    $"Run Get-VMGuest -ConnectionUri {c.Uri} to list the guests."), Name);
                return;
            }
            var changed = Apply(c, d, _devices.Distinct(StringComparer.OrdinalIgnoreCase).ToList());
            if (PassThru && changed) WriteObject(ToGuest(d, c));
        }
        catch (VirtToolsException e) { WriteError(e, Name); }
        finally { base.EndProcessing(); }
    }

    protected abstract bool Apply(ILibvirtConnection c, ILibvirtDomain d, IReadOnlyList<string> devices);

    protected static GuestHypervisor HypervisorOf(ILibvirtDomain d) =>
        (string?)XDocument.Parse(d.GetXml(DomainXmlFlags.Inactive)).Root!.Attribute("type") switch
        {
            "xen" => GuestHypervisor.Xen,
            "qemu" => GuestHypervisor.QEMU,
            _ => GuestHypervisor.KVM,
        };
}

/// <summary>Passes PCI devices through to an existing guest, with New-VMGuest's checks.</summary>
[Cmdlet(VerbsCommon.Add, "VMGuestHostDevice", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Add-VMGuestHostDevice.md")]
[OutputType(typeof(VMGuest))]
public sealed class AddVMGuestHostDeviceCommand : GuestHostDeviceCommandBase
{
    /// <summary>Assign a device the host-usage guard protects anyway.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override bool Apply(ILibvirtConnection c, ILibvirtDomain d, IReadOnlyList<string> devices)
    {
        var hypervisor = HypervisorOf(d);
        var warnings = new List<string>();
        var checker = new HostDeviceChecker(c, HostContext, GuestCreator.IsLocalUri(c.Uri));
        var addresses = checker.Check(devices, hypervisor, d.Name, Force, warnings);
        foreach (var w in warnings) WriteWarning(w);
        var held = GuestReader.HostDeviceAddresses(XDocument.Parse(d.GetXml()).Root!)
            .Concat(GuestReader.HostDeviceAddresses(XDocument.Parse(d.GetXml(DomainXmlFlags.Inactive)).Root!)).ToHashSet();
        var changed = false;
        foreach (var a in addresses)
        {
            if (held.Contains(a))
            {
                WriteWarning($"{a} is already assigned to guest '{d.Name}'; nothing changed.");
                continue;
            }
            if (!ShouldProcess($"guest '{d.Name}' on {c.Uri}", $"Add host device {a} to {Where}")) continue;
            d.AttachDevice(DomainXmlBuilder.HostDevice(a, managed: hypervisor != GuestHypervisor.Xen).ToString(), Flags);
            changed = true;
        }
        return changed;
    }
}

/// <summary>Takes PCI devices away from a guest (virsh detach-device).</summary>
[Cmdlet(VerbsCommon.Remove, "VMGuestHostDevice", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Remove-VMGuestHostDevice.md")]
[OutputType(typeof(VMGuest))]
public sealed class RemoveVMGuestHostDeviceCommand : GuestHostDeviceCommandBase
{
    protected override bool Apply(ILibvirtConnection c, ILibvirtDomain d, IReadOnlyList<string> devices)
    {
        var live = XDocument.Parse(d.GetXml()).Root!;
        var config = XDocument.Parse(d.GetXml(DomainXmlFlags.Inactive)).Root!;
        var changed = false;
        foreach (var text in devices)
        {
            if (!PciAddress.TryParse(text, out var a))
                throw new VirtToolsException("InvalidPciAddress", FailureKind.InvalidArgument, $"'{text}' is not a PCI address.", text,
                    "Use the form 0000:03:00.1, as Get-VMGuest's HostDevices lists them.");
            var element = FindHostdev(live, a) ?? FindHostdev(config, a);
            if (element is null)
            {
                WriteWarning($"{a} is not assigned to guest '{d.Name}'; nothing changed.");
                continue;
            }
            if (!ShouldProcess($"guest '{d.Name}' on {c.Uri}", $"Remove host device {a} from {Where}")) continue;
            d.DetachDevice(element.ToString(), Flags);
            changed = true;
        }
        return changed;
    }

    /// <summary>
    /// The guest's own hostdev or hostdev interface element, so libvirt matches it exactly (managed, alias,
    /// guest address, MAC).
    /// </summary>
    private static XElement? FindHostdev(XElement root, PciAddress a) =>
        GuestReader.HostDeviceElements(root).Where(e => e.Address == a).Select(e => e.Element).FirstOrDefault();
}
