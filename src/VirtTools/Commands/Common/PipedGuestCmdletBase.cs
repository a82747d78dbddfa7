using System.Management.Automation;

namespace VirtTools.Commands;

/// <summary>
/// The guest cmdlets that take guest names from the pipeline by property name. An object that is not a
/// guest but belongs to one (a VMGuestSnapshot: Guest, and Name for itself) binds its guest here, so its
/// own Name is never taken for a guest's.
/// </summary>
public abstract class PipedGuestCmdletBase : GuestCmdletBase
{
    /// <summary>Bound from a piped object's GuestName or Guest property; it names the guest that object belongs to.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, DontShow = true)]
    [Alias("Guest")]
    [ValidateNotNullOrEmpty]
    public string? GuestName { get; set; }

    protected override string? PipedGuest => GuestName;
}
