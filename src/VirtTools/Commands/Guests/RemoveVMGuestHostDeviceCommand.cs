using System.Management.Automation;
using System.Xml.Linq;
using VirtTools.Guests;
using VirtTools.Libvirt;
using VirtTools.Pci;

namespace VirtTools.Commands;

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
