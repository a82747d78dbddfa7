using System.Management.Automation;
using VirtTools.HostConfig;

namespace VirtTools.Commands;

/// <summary>Compares the host's configuration with what is live: after a reboot, did the change take?</summary>
[Cmdlet(VerbsDiagnostic.Test, "VHSConfiguration", HelpUri = VirtToolsCmdlet.HelpBase + "Test-VHSConfiguration.md")]
[OutputType(typeof(ConfigurationItem), typeof(bool))]
public sealed class TestVHSConfigurationCommand : HostConfigCmdlet
{
    [Parameter(Position = 0)]
    [ValidateSet("KernelParameter", "ModuleOption", "ModuleLoad", "DriverOverride", "SriovVfCount", IgnoreCase = true)]
    public string[]? Category { get; set; }

    /// <summary>One bool: true when every item is InSync.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void EndProcessing()
    {
        var drift = new ConfigurationDrift(HostContext);
        List<ConfigurationItem> items = new();
        Terminating(() => items = drift.Evaluate(c => Category is null || Category.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList());
        foreach (var n in drift.Notes) WriteWarning(n);
        if (Quiet)
        {
            WriteObject(items.All(i => i.Status == ConfigurationStatus.InSync));
            return;
        }
        WriteObject(items, enumerateCollection: true);
    }
}
