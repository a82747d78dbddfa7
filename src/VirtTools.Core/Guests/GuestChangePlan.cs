using VirtTools.Libvirt;

namespace VirtTools.Guests;

/// <summary>
/// One libvirt call of a change, with the call that puts back what it changed. <see cref="RefusalId"/>
/// names the refusal when libvirt says no (NoMemoryBalloon-like ids the user can search for).
/// </summary>
public sealed record GuestChangeStep(string Description, string RefusalId, string Advice, Action Apply, Action Undo);

/// <summary>
/// Everything Set-VMGuest will do to one guest, decided and checked before any call: the steps in
/// order, and the warnings to show (what waits for the next boot).
/// </summary>
public sealed class GuestChangePlan
{
    internal GuestChangePlan(ILibvirtDomain guest, IReadOnlyList<GuestChangeStep> steps, IReadOnlyList<string> warnings)
    {
        Guest = guest;
        Steps = steps;
        Warnings = warnings;
    }

    public ILibvirtDomain Guest { get; }
    public IReadOnlyList<GuestChangeStep> Steps { get; }
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>For ShouldProcess and -WhatIf: each call, in order.</summary>
    public string Describe() => string.Join("; ", Steps.Select(s => s.Description));

    /// <summary>
    /// Runs the steps in order. When libvirt refuses one, the steps already done are undone in reverse
    /// order and the refusal is thrown with its own id, libvirt's reason and whether the undo worked.
    /// </summary>
    public void Apply()
    {
        var done = new Stack<GuestChangeStep>();
        foreach (var step in Steps)
        {
            try { step.Apply(); }
            catch (LibvirtException e)
            {
                var anyDone = done.Count > 0;
                var undoFailures = new List<string>();
                while (done.Count > 0)
                {
                    var back = done.Pop();
                    try { back.Undo(); }
                    catch (LibvirtException u) { undoFailures.Add($"{back.Description}: {u.LibvirtMessage}"); }
                }
                var outcome = undoFailures.Count == 0
                    ? anyDone ? " The changes already made were undone." : " Nothing was changed."
                    : " Undoing the changes already made failed: " + string.Join("; ", undoFailures) + ".";
                throw new VirtToolsException(step.RefusalId, e.Kind,
                    $"libvirt refused to {step.Description} of guest '{Guest.Name}': {e.LibvirtMessage}.{outcome}", Guest.Name, step.Advice, e);
            }
            done.Push(step);
        }
    }
}
