using System.Management.Automation;
using VirtTools.Host;
using VirtTools.Pci;
using VirtTools.Sriov;

namespace VirtTools.Commands;

/// <summary>
/// Sets what `ip link set &lt;pf&gt; vf N ...` sets: the MAC, port VLAN and QoS, spoof check, trust,
/// link state and transmit rates of one VF, each as its own call, undoing the ones made when a later
/// one fails. Refuses, without -Force, to change the MAC, VLAN, link state or spoof check of a VF
/// whose interface carries this host's SSH connection, default route or an address.
/// </summary>
[ChangesHost("sets VF properties through the PF's network device (ip link) and their udev rule in /etc", VirtTools.Host.LinuxCapability.CAP_NET_ADMIN, VirtTools.Host.LinuxCapability.CAP_DAC_OVERRIDE)]
[Cmdlet(VerbsCommon.Set, "SriovVf", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Set-SriovVf.md")]
[OutputType(typeof(SriovVf))]
public sealed class SetSriovVfCommand : VirtToolsCmdlet
{
    /// <summary>The PF's PCI address (its interface is looked up in sysfs).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SriovPhysicalFunctionCompleter))]
    public string PhysicalFunction { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [ValidateRange(0, 65535)]
    public int Index { get; set; }

    /// <summary>A unicast MAC (aa:bb:cc:dd:ee:ff).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MacAddress { get; set; }

    /// <summary>Port VLAN 1-4095, 0 removes it (checked by the core, so a bad value gets SriovVfVlanOutOfRange).</summary>
    [Parameter]
    public int VlanId { get; set; }

    [Parameter]
    public int Qos { get; set; }

    [Parameter]
    public bool SpoofCheck { get; set; }

    [Parameter]
    public bool Trust { get; set; }

    [Parameter]
    [ValidateSet("auto", "enable", "disable", IgnoreCase = true)]
    public string? LinkState { get; set; }

    /// <summary>Mbit/s, 0 = none.</summary>
    [Parameter]
    public int MinTxRate { get; set; }

    /// <summary>Mbit/s, 0 = no limit.</summary>
    [Parameter]
    public int MaxTxRate { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private bool Given(string name) => MyInvocation.BoundParameters.ContainsKey(name);

    protected override void ProcessRecord()
    {
        if (!PciAddress.TryParse(PhysicalFunction, out var pf))
        {
            WriteError(new VirtToolsException("InvalidPciAddress", FailureKind.InvalidArgument,
                $"'{PhysicalFunction}' is not a PCI address. Use the form DDDD:BB:SS.F, e.g. 0000:03:00.0.", PhysicalFunction,
                "Run Get-PciDevice -PhysicalFunction to list the SR-IOV physical functions."), PhysicalFunction);
            return;
        }
        var settings = new SriovVfSettings
        {
            MacAddress = Given(nameof(MacAddress)) ? MacAddress : null,
            VlanId = Given(nameof(VlanId)) ? VlanId : null,
            Qos = Given(nameof(Qos)) ? Qos : null,
            SpoofCheck = Given(nameof(SpoofCheck)) ? SpoofCheck : null,
            Trust = Given(nameof(Trust)) ? Trust : null,
            LinkState = Given(nameof(LinkState)) ? LinkState : null,
            MinTxRate = Given(nameof(MinTxRate)) ? MinTxRate : null,
            MaxTxRate = Given(nameof(MaxTxRate)) ? MaxTxRate : null,
        };
        var manager = new SriovVfManager(HostContext) { LockWaiting = ReportLockWait };
        // Held from planning to the end, as Set-SriovVfCount holds it: a second setter of the VF waits, then plans
        // from what this one set.
        if (!TryHoldLock(() => manager.LockPhysicalFunction(pf), pf.ToString(), out var held)) return;
        using (held) Set(manager, pf, settings);
    }

    private void Set(SriovVfManager manager, PciAddress pf, SriovVfSettings settings)
    {
        SriovVfPlan plan;
        try
        {
            plan = manager.Plan(pf, Index, settings, Force, Environment.GetEnvironmentVariable("SSH_CONNECTION"));
        }
        catch (VirtToolsException e)
        {
            WriteError(e, e.Target ?? pf.ToString());
            return;
        }
        catch (HostIOException e)
        {
            WriteError(ToErrorRecord(e, "HostReadFailed", e.Errno is Errno.EACCES or Errno.EPERM ? FailureKind.PermissionDenied : FailureKind.ReadError, pf.ToString()));
            return;
        }
        foreach (var n in plan.Notes) WriteVerbose(n);
        foreach (var w in plan.Warnings) WriteWarning(w);
        var vf = plan.Current;
        var result = vf;
        if (plan.HasChanges)
        {
            var target = $"VF {vf.Index} of {pf} ({plan.PfInterface}" + (vf.Interface is null ? ")" : $", VF interface {vf.Interface})");
            var description = $"Set-SriovVf {target}:" + string.Concat(plan.Steps.Select(s => Environment.NewLine + "  " + s.CommandLine));
            var question = $"Run {string.Join("; ", plan.Steps.Select(s => s.CommandLine))}?";
            if (!ShouldProcess(description, question, "Set-SriovVf")) return;
            try
            {
                result = manager.Execute(plan, step => WriteVerbose($"Set-SriovVf: {step.CommandLine}"));
            }
            catch (VirtToolsException e)
            {
                WriteError(e, e.Target ?? pf.ToString());
                return;
            }
            var diff = SriovVfManager.Differences(plan.Expected, result).ToList();
            if (diff.Count > 0)
                WriteWarning($"The {plan.PfDriver ?? "PF's"} driver accepted the change, but VF {vf.Index} of {pf} now reads: {string.Join(", ", diff)}.");
        }
        else WriteVerbose($"VF {vf.Index} of {pf} already has the settings asked for; nothing was run.");
        if (PassThru) WriteObject(result);
    }
}
