using System.Management.Automation;
using VirtTools.Host;
using VirtTools.HostConfig;

namespace VirtTools.Commands;

/// <summary>Kernel modules: loaded, built in or installed, their live parameters and their configuration.</summary>
[Cmdlet(VerbsCommon.Get, "VHSKernelModule", HelpUri = VirtToolsCmdlet.HelpBase + "Get-VHSKernelModule.md")]
[OutputType(typeof(KernelModuleInfo))]
public sealed class GetVHSKernelModuleCommand : HostConfigCmdlet
{
    private readonly List<string> _names = new();

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(KernelModuleNameCompleter))]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        if (Name is not null) _names.AddRange(Name);
    }

    protected override void EndProcessing()
    {
        KernelModuleReader? reader = null;
        Terminating(() => reader = new KernelModuleReader(HostContext.Files));
        if (_names.Count == 0)
        {
            foreach (var n in reader!.DefaultNames()) WriteObject(reader.Read(n));
            return;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in _names)
        {
            var name = raw.Replace('-', '_');
            if (WildcardPattern.ContainsWildcardCharacters(name))
            {
                var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
                foreach (var n in reader!.AllNames().Where(n => pattern.IsMatch(n)))
                    if (seen.Add(n)) WriteObject(reader.Read(n));
                continue;
            }
            var info = reader!.Read(name);
            if (info.State == KernelModuleState.NotFound && info.ConfigurationFiles.Length == 0)
            {
                WriteError(new VirtToolsException("KernelModuleNotFound", FailureKind.ObjectNotFound,
                    $"The module '{raw}' is neither loaded, built in, installed for kernel {reader.Release} nor configured.", raw,
                    "Check the name with modinfo."));
                continue;
            }
            if (seen.Add(info.Name)) WriteObject(info);
        }
    }
}
