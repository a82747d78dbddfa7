using System.Management.Automation;
using System.Xml.Linq;
using VirtTools.Guests;
using VirtTools.Libvirt;
using VirtTools.Storage;

namespace VirtTools.Commands;

/// <summary>
/// What the disk cmdlets share: the guests by -Name (wildcards; a VMGuest or VMGuestDisk piped binds by
/// Name or GuestName), virsh's --live/--config as -Live/-Persistent, and running a checked plan.
/// </summary>
public abstract class GuestDiskCommandBase : GuestCmdletBase
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("GuestName")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(VMGuestNameCompleter))]
    public string[] Name { get; set; } = Array.Empty<string>();

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected GuestDiskService Service(ILibvirtConnection c) => new(c, HostContext.Files);

    /// <summary>Asks, warns, applies; with -PassThru writes the disk as it is after.</summary>
    protected void Run(ILibvirtDomain d, ILibvirtConnection c, DiskChange change)
    {
        var plan = change.Plan;
        if (plan.Steps.Count > 0 && !ShouldProcess($"guest '{d.Name}' on {c.Uri}", plan.Describe())) return;
        foreach (var w in plan.Warnings) WriteWarning(w);
        Apply(d, plan);
        if (PassThru) EmitDisk(d, c, change.Target);
    }

    /// <summary>A live unplug waits for the guest OS, a new volume for the pool: seconds that deserve a progress line.</summary>
    protected void Apply(ILibvirtDomain d, GuestChangePlan plan)
    {
        if (plan.Steps.Count == 0) return;
        var activity = $"{MyInvocation.MyCommand.Name} {d.Name}";
        WriteProgress(new ProgressRecord(1, activity, plan.Describe()));
        try { plan.Apply(); }
        finally { WriteProgress(new ProgressRecord(1, activity, "Done") { RecordType = ProgressRecordType.Completed }); }
    }

    protected void EmitDisk(ILibvirtDomain d, ILibvirtConnection c, string target)
    {
        foreach (var disk in ReadDisks(d, c.Uri))
            if (disk.Target == target) WriteObject(disk);
    }

    /// <summary>The running guest's disks when it runs, else its definition's.</summary>
    internal static IReadOnlyList<VMGuestDisk> ReadDisks(ILibvirtDomain d, string uri)
    {
        var live = d.IsActive;
        var xml = XDocument.Parse(d.GetXml(live ? DomainXmlFlags.None : DomainXmlFlags.Inactive)).Root!;
        return GuestDiskReader.Read(xml, d.Name, uri, live);
    }
}

/// <summary>The disk cmdlets that change a running guest and its definition: -Live and -Persistent narrow that.</summary>
public abstract class GuestDiskChangeCommandBase : GuestDiskCommandBase
{
    /// <summary>Only the running guest (virsh --live).</summary>
    [Parameter]
    public SwitchParameter Live { get; set; }

    /// <summary>Only the definition, for the next boot (virsh --config).</summary>
    [Parameter]
    public SwitchParameter Persistent { get; set; }

    protected GuestChangeScope Scope => (Live.IsPresent, Persistent.IsPresent) switch
    {
        (true, false) => GuestChangeScope.Live,
        (false, true) => GuestChangeScope.Persistent,
        _ => GuestChangeScope.LiveAndPersistent,
    };
}
