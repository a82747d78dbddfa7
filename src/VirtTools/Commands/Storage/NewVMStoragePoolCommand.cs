using System.Management.Automation;
using VirtTools.Storage;

namespace VirtTools.Commands;

/// <summary>Creates a directory storage pool: defined, built (its directory made), started and marked autostart.</summary>
[Cmdlet(VerbsCommon.New, "VMStoragePool", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, HelpUri = VirtToolsCmdlet.HelpBase + "New-VMStoragePool.md")]
[OutputType(typeof(VMStoragePool))]
public sealed class NewVMStoragePoolCommand : GuestCmdletBase
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The pool type; Dir (a directory of image files) is the one VirtTools makes.</summary>
    [Parameter]
    [ValidateSet("Dir")]
    public string Type { get; set; } = "Dir";

    /// <summary>The directory; made when it does not exist.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Leave the pool without autostart (it then stays inactive after the host restarts).</summary>
    [Parameter]
    public SwitchParameter NoAutoStart { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var c = Connection();
        var service = new StoragePoolService(c, HostContext);
        System.Xml.Linq.XElement xml;
        try { xml = service.Plan(Name, Path); }
        catch (VirtToolsException e) { WriteError(e, Name); return; }
        if (!ShouldProcess($"storage pool '{Name}' on {c.Uri}", $"Create a dir pool in {(string?)xml.Element("target")?.Element("path")}{(NoAutoStart ? "" : ", autostart")}")) return;
        Try(Name, () =>
        {
            var p = service.Create(xml, !NoAutoStart);
            if (PassThru) WriteObject(p);
        });
    }
}
