using System.Management.Automation;
using System.Xml.Linq;
using VirtTools.Guests;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

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
