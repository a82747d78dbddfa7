using System.Globalization;
using System.Management.Automation;
using VirtTools.Host;
using VirtTools.Pci;
using VirtTools.Sriov;

namespace VirtTools.Commands;

/// <summary>
/// Sets the number of SR-IOV virtual functions of physical functions. Medium impact when VFs are
/// only created; destroying VFs asks as a High-impact change would (see <see cref="Confirm"/>).
/// </summary>
[ChangesHost("writes sriov_numvfs in /sys/bus/pci (and its udev rule in /etc)", VirtTools.Host.LinuxCapability.CAP_DAC_OVERRIDE)]
[Cmdlet(VerbsCommon.Set, "SriovVfCount", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "Set-SriovVfCount.md")]
[OutputType(typeof(PciDevice))]
public sealed class SetSriovVfCountCommand : PciAddressCommandBase
{
    private const int ProgressId = 0x5E7;
    private bool _yesToAll, _noToAll;

    /// <summary>The number of VFs: 0 removes them all; at most the PF's SriovTotalVfs.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateRange(0, 65535)]
    [Alias("NumVfs")]
    public int Count { get; set; }

    /// <summary>Writes sriov_drivers_autoprobe first: $false makes new VFs come up without a driver.</summary>
    [Parameter]
    public bool AutoProbe { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    [Parameter]
    public SwitchParameter Persist { get; set; }

    /// <summary>A wildcard means "the SR-IOV PFs among these"; a literal non-PF address is an error.</summary>
    protected override bool WildcardFilter(PciAddress address) => HostContext.Files.FileExists(SriovConfigurator.TotalVfsPath(address));

    protected override void ProcessRecord()
    {
        foreach (var a in ExpandAddresses()) Handle(a);
    }

    private void Handle(PciAddress a)
    {
        var options = new SriovOptions
        {
            AutoProbe = MyInvocation.BoundParameters.ContainsKey(nameof(AutoProbe)) ? AutoProbe : null,
            Force = Force,
            Persist = Persist,
            SshConnection = Environment.GetEnvironmentVariable("SSH_CONNECTION"),
            Progress = (present, wanted, seconds) => WriteProgress(new ProgressRecord(ProgressId, $"Set-SriovVfCount {a}",
                $"{present} of {wanted} VFs present after {seconds.ToString("0.0", CultureInfo.InvariantCulture)} s")
            {
                PercentComplete = wanted == 0 ? 100 : present * 100 / wanted,
            }),
            LockWaiting = ReportLockWait,
        };
        var cfg = new SriovConfigurator(HostContext, options);
        // Held from planning to the end: a count planned while another command was still changing the PF
        // would be applied to VFs that are no longer the ones planned.
        if (!TryHoldLock(() => cfg.LockPhysicalFunction(a), a.ToString(), out var held)) return;
        using (held) Handle(a, cfg);
    }

    private void Handle(PciAddress a, SriovConfigurator cfg)
    {
        if (!TryPlan(a, () => cfg.PlanSetCount(a, Count), out var plan, errorTarget: true)) return;
        foreach (var n in plan.Notes) WriteVerbose(n);
        foreach (var w in plan.Warnings) WriteWarning(w);
        if (plan.HasChanges)
        {
            foreach (var s in plan.Steps) WriteVerbose($"Set-SriovVfCount {a}: {s.Description}");
            if (!Confirm(plan)) return;
            try
            {
                var result = cfg.Execute(plan);
                foreach (var n in result.Notes) WriteVerbose(n);
                foreach (var w in result.Warnings) WriteWarning(w);
                foreach (var (n, seconds) in result.Timings)
                    WriteVerbose(string.Create(CultureInfo.InvariantCulture, $"{a}: sriov_numvfs = {n} took {seconds:0.000} s."));
            }
            catch (VirtToolsException e)
            {
                WriteError(e, e.Target ?? a.ToString());
                return;
            }
            finally
            {
                if (plan.Steps.Any(s => s.Kind == SriovStepKind.WaitForVfs))
                    WriteProgress(new ProgressRecord(ProgressId, $"Set-SriovVfCount {a}", "Done") { RecordType = ProgressRecordType.Completed });
            }
        }
        if (PassThru) WriteObject(new PciDeviceReader(HostContext.Files).Read(a));
    }

    /// <summary>
    /// ConfirmImpact is fixed per cmdlet, so it is Medium, and a change that destroys VFs asks again
    /// when a High-impact command would have asked ($ConfirmPreference High, no -Confirm given).
    /// -WhatIf prints the steps and changes nothing; -Confirm:$false answers both questions.
    /// </summary>
    private bool Confirm(SriovPlan plan)
    {
        var a = plan.PhysicalFunction;
        var change = plan.ChangesCount ? $"{plan.Current} -> {plan.Requested} VFs" : $"{plan.Current} VFs (count unchanged)";
        var destroys = plan.DestroysVfs ? $" This removes the {plan.Destroyed.Count} VFs {string.Join(", ", plan.Destroyed.Select(v => v.Address))}." : "";
        var description = $"Set-SriovVfCount {a} ({change}):{Environment.NewLine}{plan.Describe()}";
        var question = $"Set the VF count of {a} ({plan.PfDriver ?? "no driver"}) from {plan.Current} to {plan.Requested}?{destroys}";
        if (!ShouldProcess(description, question, "Set-SriovVfCount")) return false;
        if (!plan.DestroysVfs || MyInvocation.BoundParameters.ContainsKey("Confirm")) return true;
        var preference = GetVariableValue("ConfirmPreference") is ConfirmImpact p ? p : ConfirmImpact.High;
        // None: never ask; Low/Medium: ShouldProcess has asked already; only High is left to this question.
        if (preference != ConfirmImpact.High) return true;
        return ShouldContinue(question, $"Set-SriovVfCount: removing virtual functions", ref _yesToAll, ref _noToAll);
    }
}
