using System.Management.Automation;
using VirtTools.Pci;
using VirtTools.Vfio;

namespace VirtTools.Commands;

/// <summary>Binds PCI functions to vfio-pci (or a variant, or pciback) by address, safely and reversibly.</summary>
[Cmdlet(VerbsLifecycle.Enable, "VfioDevice", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, HelpUri = VirtToolsCmdlet.HelpBase + "Enable-VfioDevice.md")]
[OutputType(typeof(PciDevice))]
public sealed class EnableVfioDeviceCommand : VfioDeviceCommandBase
{
    /// <summary>The pass-through driver: vfio-pci, a vendor variant (mlx5_vfio_pci), or pciback on Xen.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(PassthroughDriverCompleter))]
    public string Driver { get; set; } = VfioDrivers.Default;

    [Parameter]
    public SwitchParameter IncludeIommuGroup { get; set; }

    protected override string Operation => "Enable";

    protected override VfioOptions Options() => new()
    {
        Driver = Driver,
        IncludeIommuGroup = IncludeIommuGroup,
        Force = Force,
        Persist = Persist,
        SshConnection = Environment.GetEnvironmentVariable("SSH_CONNECTION"),
    };

    protected override VfioPlan Plan(VfioBinder binder, PciAddress address) => binder.PlanEnable(address);
}

/// <summary>Offers the pass-through drivers this host has registered, plus vfio-pci.</summary>
public sealed class PassthroughDriverCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal) { VfioDrivers.Default };
        foreach (var d in Host.HostContext.Current.Files.List(VfioBinder.DriversDir))
            if (VfioDrivers.IsPassthrough(d)) names.Add(d);
        return names.Where(n => n.StartsWith(wordToComplete ?? "", StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}
