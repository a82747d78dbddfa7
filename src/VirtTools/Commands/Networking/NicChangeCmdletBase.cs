using System.Management.Automation;
using VirtTools.Guests;
using VirtTools.Libvirt;
using VirtTools.Networking;

namespace VirtTools.Commands;

/// <summary>What the NIC-changing cmdlets share: -Live/-Persistent (virsh --live/--config), -PassThru, running a plan.</summary>
public abstract class NicChangeCmdletBase : GuestCmdletBase
{
    private readonly Dictionary<ILibvirtConnection, GuestNicChanger> _changers = new();

    /// <summary>Only the running guest; its definition stays as it is.</summary>
    [Parameter]
    public SwitchParameter Live { get; set; }

    /// <summary>Only the definition (the next boot); the running guest stays as it is.</summary>
    [Parameter]
    public SwitchParameter Persistent { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Both switches, or neither: the running guest and its definition.</summary>
    protected GuestChangeScope Scope => (Live.IsPresent, Persistent.IsPresent) switch
    {
        (true, false) => GuestChangeScope.Live,
        (false, true) => GuestChangeScope.Persistent,
        _ => GuestChangeScope.LiveAndPersistent,
    };

    protected GuestNicChanger Changer(ILibvirtConnection c) =>
        _changers.TryGetValue(c, out var x) ? x : _changers[c] = new GuestNicChanger(c);

    /// <summary>Asks, warns and applies; false when -WhatIf or No kept it from running, or nothing needed doing.</summary>
    protected bool Run(ILibvirtConnection c, GuestChangePlan plan)
    {
        if (plan.Steps.Count == 0)
        {
            foreach (var w in plan.Warnings) WriteWarning(w);
            return false;
        }
        if (!ShouldProcess($"guest '{plan.Guest.Name}' on {c.Uri}", Capitalized(plan.Describe()))) return false;
        foreach (var w in plan.Warnings) WriteWarning(w);
        plan.Apply();
        return true;
    }

    private static string Capitalized(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    protected void WriteAdapter(ILibvirtDomain d, ILibvirtConnection c, string mac)
    {
        foreach (var nic in GuestNicReader.Adapters(d, c.Uri))
            if (nic.MacAddress == mac) WriteObject(nic);
    }
}
