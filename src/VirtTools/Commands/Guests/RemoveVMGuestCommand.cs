using System.Management.Automation;
using VirtTools.Guests;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

[Cmdlet(VerbsCommon.Remove, "VMGuest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, HelpUri = VirtToolsCmdlet.HelpBase + "Remove-VMGuest.md")]
[OutputType(typeof(VMGuest))]
public sealed class RemoveVMGuestCommand : GuestLifecycleCommandBase
{
    /// <summary>Power off a running guest and remove it.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Also delete the guest's disks that are libvirt volumes (never its cdrom ISOs).</summary>
    [Parameter]
    public SwitchParameter RemoveStorage { get; set; }

    private VMGuest? _before;

    protected override string Action => "Remove";
    protected override string AskedState => "removed";

    protected override void Refuse(ILibvirtDomain d)
    {
        GuestLifecycle.EnsureRemovable(d, Force);
        if (RemoveStorage) GuestLifecycle.EnsureStorageRemovable(d, Connection());
    }

    protected override string Describe(ILibvirtDomain d, ILibvirtConnection c)
    {
        var what = "Remove the definition, managed save, snapshot metadata and NVRAM";
        if (RemoveStorage)
        {
            var (deleted, kept) = GuestLifecycle.StoragePlan(d, c);
            what += deleted.Count > 0 ? $", and delete volumes {string.Join(", ", deleted)}" : ", and delete no volume (it has none in a storage pool)";
            if (kept.Count > 0) what += $"; leave in place {string.Join(", ", kept)} (in no storage pool)";
        }
        if (d.IsActive) what = (Force ? "Power off, then " : "") + what;
        return what;
    }

    protected override LifecycleOutcome Act(ILibvirtDomain d, ILibvirtConnection c)
    {
        _before = PassThru ? ToGuest(d, c) : null;
        foreach (var path in GuestLifecycle.Remove(d, c, Force, RemoveStorage))
            WriteWarning($"{path} is not a libvirt volume (in no storage pool), so it was left in place.");
        return LifecycleOutcome.Changed;
    }

    /// <summary>The guest is gone: -PassThru returns it as it was before removal.</summary>
    protected override void Emit(ILibvirtDomain d, ILibvirtConnection c)
    {
        if (_before is not null) WriteObject(_before);
    }
}
