using System.Management.Automation;
using VirtTools.Pci;

namespace VirtTools.Commands;

[Cmdlet(VerbsCommon.Get, "PciDevice")]
[OutputType(typeof(PciDevice))]
public sealed class GetPciDeviceCommand : VirtToolsCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Address { get; set; }

    protected override void ProcessRecord()
    {
        var reader = new PciDeviceReader(HostContext.Files);
        var patterns = Address?.Select(a => new WildcardPattern(a, WildcardOptions.IgnoreCase)).ToArray();
        foreach (var a in reader.ListAddresses())
        {
            if (patterns is not null && !patterns.Any(p => p.IsMatch(a.ToString()))) continue;
            WriteObject(reader.Read(a));
        }
    }
}
