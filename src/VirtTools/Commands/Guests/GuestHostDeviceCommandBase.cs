using System.Management.Automation;
using System.Xml.Linq;
using VirtTools.Guests;
using VirtTools.Libvirt;

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
            using var d = FindGuest(c, Name);
            if (d is null) return;
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
