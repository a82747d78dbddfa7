using VirtTools.Guests;
using VirtTools.Libvirt;

namespace VirtTools.Commands;

/// <summary>A lifecycle cmdlet without parameters of its own: one action, one state it leads to.</summary>
public abstract class PlainGuestLifecycleCommand(string action, string askedState, Func<ILibvirtDomain, LifecycleOutcome> act)
    : GuestLifecycleCommandBase
{
    protected override string Action => action;
    protected override string AskedState => askedState;
    protected override LifecycleOutcome Act(ILibvirtDomain d, ILibvirtConnection c) => act(d);
}
