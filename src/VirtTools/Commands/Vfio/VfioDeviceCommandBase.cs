using System.Management.Automation;
using VirtTools.Host;
using VirtTools.Pci;
using VirtTools.Vfio;

namespace VirtTools.Commands;

/// <summary>
/// What Enable- and Disable-VfioDevice share: address expansion, one confirmation per device that
/// lists every step, verbose/warning streams, errors that target the device, -PassThru.
/// </summary>
public abstract class VfioDeviceCommandBase : PciAddressCommandBase, IDisposable
{
    private readonly HashSet<PciAddress> _handled = new();
    // The IOMMU groups this command has touched stay locked until it ends: a device disabled early in the
    // pipeline must not be taken again by another command before this one has done the rest of its group.
    private readonly Dictionary<string, IDisposable> _groupLocks = new(StringComparer.Ordinal);
    private readonly List<VfioPlan> _planned = new();
    private VfioBinder? _binder;

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
        foreach (var a in ExpandAddresses())
            Handle(a);
    }

    protected override void EndProcessing()
    {
        ReleaseGroups();
        foreach (var w in VfioPlan.NonViableWarnings(_planned)) WriteWarning(w);
    }

    public void Dispose()
    {
        ReleaseGroups();
        GC.SuppressFinalize(this);
    }

    private void ReleaseGroups()
    {
        foreach (var held in _groupLocks.Values) held.Dispose();
        _groupLocks.Clear();
    }

    /// <summary>Holds the lock of <paramref name="a"/>'s group until the command ends; false (error written) when another command holds it.</summary>
    private bool HoldGroup(VfioBinder binder, PciAddress a)
    {
        // -WhatIf changes nothing, so it waits for no one (and needs no write access to /run).
        if (WhatIfRequested()) return true;
        var group = PciFunction.IommuGroup(HostContext.Files, a) is int g ? "group " + g : "function " + a;
        if (_groupLocks.ContainsKey(group)) return true;
        if (!TryHoldLock(() => binder.LockGroupOf(a), a.ToString(), out var held)) return false;
        if (held is not null) _groupLocks[group] = held;
        return true;
    }

    private VfioBinder NewBinder()
    {
        var options = Options();
        options.LockWaiting ??= ReportLockWait;
        return new VfioBinder(HostContext, options);
    }

    private void Handle(PciAddress a)
    {
        if (_handled.Contains(a))
        {
            WriteVerbose($"{a} was already handled by this command (as a member of an IOMMU group).");
            return;
        }
        // One binder for the whole pipeline: its options come from parameters that do not bind per record.
        var binder = _binder ??= NewBinder();
        if (!HoldGroup(binder, a) || !TryPlan(a, () => Plan(binder, a), out var plan)) return;
        // Silence would read as done: say so, as the guest cmdlets do for a guest already in the asked state.
        if (plan.HasChanges) foreach (var n in plan.Notes) WriteVerbose(n);
        else WriteWarning(NothingToDo.Message(plan.Notes));
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
