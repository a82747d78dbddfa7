using System.Management.Automation;
using System.Reflection;
using VirtTools.Host;

namespace VirtTools.Commands;

public abstract partial class VirtToolsCmdlet
{
    /// <summary>
    /// A [ChangesHost] cmdlet run without the privileges it needs stops here, once, before the first read
    /// or write: one RequiresRoot error, not a plan followed by EACCES half-way. -WhatIf changes nothing,
    /// so it may still show the plan as an ordinary user (what it cannot read it says).
    /// </summary>
    private void RequirePrivileges(HostContext host)
    {
        if (GetType().GetCustomAttribute<ChangesHostAttribute>() is not { } changes || WhatIfRequested()) return;
        var name = MyInvocation.MyCommand?.Name ?? GetType().Name;
        if (host.Privileges?.Refusal(name, changes.Change, changes.Needs) is { } refusal)
            ThrowTerminatingError(refusal);
    }

    /// <summary>-WhatIf given, or $WhatIfPreference set.</summary>
    protected bool WhatIfRequested() =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w)
            ? LanguagePrimitives.IsTrue(w is SwitchParameter s ? s.IsPresent : w)
            : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
}
