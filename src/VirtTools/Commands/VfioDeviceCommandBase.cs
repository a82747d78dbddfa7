using System.Management.Automation;
using VirtTools.Host;
using VirtTools.Pci;
using VirtTools.Vfio;

namespace VirtTools.Commands;

/// <summary>
/// What Enable- and Disable-VfioDevice share: address expansion, one confirmation per device that
/// lists every step, verbose/warning streams, errors that target the device, -PassThru.
/// </summary>
public abstract class VfioDeviceCommandBase : VirtToolsCmdlet
{
    private readonly HashSet<PciAddress> _handled = new();
    private readonly List<VfioPlan> _planned = new();

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PciAddress", "Bdf")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PciAddressCompleter))]
    public string[] Address { get; set; } = Array.Empty<string>();

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter Persist { get; set; }

    /// <summary>"Enable" / "Disable", for messages.</summary>
    protected abstract string Operation { get; }

    protected abstract VfioOptions Options();

    protected abstract VfioPlan Plan(VfioBinder binder, PciAddress address);

    protected override void ProcessRecord()
    {
        foreach (var text in Address)
            foreach (var a in Expand(text))
                Handle(a);
    }

    protected override void EndProcessing()
    {
        foreach (var w in VfioPlan.NonViableWarnings(_planned)) WriteWarning(w);
    }

    private IEnumerable<PciAddress> Expand(string text)
    {
        if (WildcardPattern.ContainsWildcardCharacters(text))
        {
            var pattern = new WildcardPattern(text, WildcardOptions.IgnoreCase);
            var matches = new PciDeviceReader(HostContext.Files).ListAddresses().Where(a => pattern.IsMatch(a.ToString())).ToList();
            if (matches.Count == 0) WriteVerbose($"No PCI function matches '{text}'.");
            return matches;
        }
        if (PciAddress.TryParse(text, out var one)) return new[] { one };
        WriteError(new VirtToolsException("InvalidPciAddress", FailureKind.InvalidArgument,
            $"'{text}' is not a PCI address. Use the form DDDD:BB:SS.F, e.g. 0000:03:00.0.", text,
            "Run Get-PciDevice to list the addresses on this host."), text);
        return Array.Empty<PciAddress>();
    }

    private void Handle(PciAddress a)
    {
        if (_handled.Contains(a))
        {
            WriteVerbose($"{a} was already handled by this command (as a member of an IOMMU group).");
            return;
        }
        var binder = new VfioBinder(HostContext, Options());
        VfioPlan plan;
        try { plan = Plan(binder, a); }
        catch (VirtToolsException e)
        {
            WriteError(e, a.ToString());
            return;
        }
        catch (HostIOException e)
        {
            // Planning only reads; an unreadable sysfs or /proc file stops this device, not the pipeline.
            WriteError(ToErrorRecord(e, "HostReadFailed", e.Errno is Errno.EACCES or Errno.EPERM ? FailureKind.PermissionDenied : FailureKind.ReadError, a.ToString()));
            return;
        }
        foreach (var n in plan.Notes) WriteVerbose(n);
        foreach (var w in plan.Warnings) WriteWarning(w);
        if (plan.HasChanges)
        {
            foreach (var s in plan.Steps) WriteVerbose($"{Operation} {a}: {s.Description}");
            var description = $"{Operation}-VfioDevice {a}:{Environment.NewLine}{plan.Describe()}";
            var question = $"{Operation} pass-through for {string.Join(", ", plan.Targets.Select(t => $"{t.Address} ({t.OriginalDriver ?? "no driver"})"))}?";
            var go = ShouldProcess(description, question, $"{Operation}-VfioDevice");
            // -WhatIf plans count for the group warning as if they ran; a declined confirmation does not.
            if (go || MyInvocation.BoundParameters.ContainsKey("WhatIf")) _planned.Add(plan);
            if (!go) return;
            try
            {
                var result = binder.Execute(plan);
                foreach (var n in result.Notes) WriteVerbose(n);
                foreach (var w in result.Warnings) WriteWarning(w);
            }
            catch (VirtToolsException e)
            {
                _planned.Remove(plan); // rolled back: its devices stay where they were
                WriteError(e, a.ToString());
                return;
            }
        }
        if (!plan.HasChanges) _planned.Add(plan);
        var reader = new PciDeviceReader(HostContext.Files);
        foreach (var t in plan.Targets)
        {
            _handled.Add(t.Address);
            if (PassThru) WriteObject(reader.Read(t.Address));
        }
    }
}
