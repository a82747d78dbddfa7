using System.Management.Automation;
using VirtTools.HostConfig;
using VirtTools.Pci;

namespace VirtTools.Commands;

/// <summary>Makes persistent vfio-pci (or, on a Xen Dom0, pciback) overrides win at boot against host drivers loaded from the initrd.</summary>
[ChangesHost("writes modprobe.d, modules-load.d and the initramfs in /etc and /boot", VirtTools.Host.LinuxCapability.CAP_DAC_OVERRIDE)]
[Cmdlet(VerbsCommon.Set, "VHSVfioBootBinding", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Set-VHSVfioBootBinding.md")]
[OutputType(typeof(PciDevice))]
public sealed class SetVHSVfioBootBindingCommand : HostConfigCmdlet
{
    private readonly List<PciAddress> _addresses = new();

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PciAddress", "Bdf")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PciAddressCompleter))]
    public string[]? Address { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var text in Address ?? Array.Empty<string>())
        {
            if (PciAddress.TryParse(text, out var a)) { if (!_addresses.Contains(a)) _addresses.Add(a); }
            else WriteError(new VirtToolsException("InvalidPciAddress", FailureKind.InvalidArgument,
                $"'{text}' is not a PCI address. Use the form DDDD:BB:SS.F, e.g. 0000:03:00.0.", text, "Run Get-PciDevice to list the addresses."), text);
        }
    }

    protected override void EndProcessing()
    {
        // Held from reading the persisted overrides to the end, so a second command plans from what this one wrote.
        IDisposable? held = null;
        Terminating(() => held = HoldBootConfiguration());
        using (held) Bind();
    }

    private void Bind()
    {
        var binding = new VfioBootBinding(HostContext);
        var addresses = Address is null ? binding.PersistedAddresses().ToList() : _addresses;
        if (addresses.Count == 0)
        {
            if (Address is null) WriteWarning(NothingToDo.Message(new[] { "no device has a persistent pass-through override (Enable-VfioDevice -Persist)." }));
            return;
        }
        Terminating(() =>
        {
            var set = binding.Plan(addresses);
            var applied = ApplyChanges(set, string.Join(", ", addresses), binding.ActionFor(addresses));
            if (!set.HasChanges) WriteWarning(NothingToDo.Message(set.Notes));
            else if (applied) WriteWarning(set.Notes.LastOrDefault() ?? "The binding applies at the next boot.");
        });
        if (PassThru)
        {
            var reader = new PciDeviceReader(HostContext.Files);
            foreach (var a in addresses) WriteObject(reader.Read(a));
        }
    }
}
