using System.Management.Automation;
using VirtTools.Host;

namespace VirtTools.Commands;

/// <summary>Base of every VirtTools cmdlet: the host context and the one ErrorRecord builder.</summary>
public abstract partial class VirtToolsCmdlet : PSCmdlet
{
    /// <summary>
    /// Where each cmdlet's docs page lives (HelpUri = HelpBase + "Verb-Noun.md", and the page's
    /// "online version:" says the same). The one place to change when the repository moves.
    /// </summary>
    public const string HelpBase = "https://github.com/virttools/VirtTools/blob/main/docs/";

    private HostContext? _host;

    /// <summary>The host this invocation acts on, fixed for the whole pipeline run, its root checked
    /// the same way for every cmdlet (<see cref="HostContext.CheckRoot"/>).</summary>
    protected HostContext HostContext
    {
        get
        {
            if (_host is not null) return _host;
            var host = HostContext.Current;
            string? warning;
            try { warning = host.CheckRoot(); }
            catch (VirtToolsException e) { ThrowTerminatingError(e); throw; }
            RequirePrivileges(host);
            _host = host;
            if (warning is not null)
            {
                RootIsBare = true;
                WriteWarning(warning);
            }
            return host;
        }
    }

    /// <summary>True once the bare-root warning was given, so no cmdlet adds its own for the same root.</summary>
    protected bool RootIsBare { get; private set; }

    /// <summary>Refuses a change on a root that holds nothing (the warning was given already).</summary>
    protected void RefuseChangeOnBareRoot(object? target)
    {
        var host = HostContext;
        if (RootIsBare)
            ThrowTerminatingError(new VirtToolsException("HostRootEmpty", FailureKind.InvalidOperation,
                $"The host root {host.Files.Root} holds no host to change. Nothing was changed.", target,
                $"Point {HostContext.RootVariable} at a host's root (or unset it for the live host)."), target);
    }

    /// <summary>
    /// Cmdlet.ShouldProcess, but a session that cannot ask (-NonInteractive, or stdin at its end as
    /// under `ssh host virttools -Command ...`) gets ConfirmationRequired with what to add, instead of
    /// pwsh's "Read and Prompt functionality is not available" or a NullReferenceException from the
    /// console host. Hides the base method so that every cmdlet gets it without a change.
    /// </summary>
    protected new bool ShouldProcess(string target, string action) =>
        Ask(() => base.ShouldProcess(target, action), target, action);

    /// <inheritdoc cref="ShouldProcess(string, string)"/>
    protected new bool ShouldProcess(string verboseDescription, string verboseWarning, string caption) =>
        Ask(() => base.ShouldProcess(verboseDescription, verboseWarning, caption), null, verboseWarning.TrimEnd('?'));

    /// <inheritdoc cref="ShouldProcess(string, string)"/>
    protected new bool ShouldContinue(string query, string caption, ref bool yesToAll, ref bool noToAll)
    {
        try { return base.ShouldContinue(query, caption, ref yesToAll, ref noToAll); }
        catch (Exception e) when (e is PSInvalidOperationException or NullReferenceException or System.Management.Automation.Host.HostException) { CannotAsk(e, caption, query.TrimEnd('?')); throw; }
    }

    private bool Ask(Func<bool> ask, string? target, string action)
    {
        try { return ask(); }
        catch (Exception e) when (e is PSInvalidOperationException or NullReferenceException or System.Management.Automation.Host.HostException) { CannotAsk(e, target, action); throw; }
    }

    private void CannotAsk(Exception e, string? target, string action)
    {
        var name = MyInvocation.MyCommand?.Name ?? "This command";
        ThrowTerminatingError(new VirtToolsException("ConfirmationRequired", FailureKind.InvalidOperation,
            $"{name} asks for confirmation before \"{action}\", and this session cannot answer a prompt " +
            $"(it is non-interactive, has no host that can ask, or standard input is not a terminal); {(target is null ? "nothing was changed" : $"{target} was not changed")}.", target ?? name,
            "Check what it would do with -WhatIf, then run it with -Confirm:$false (and -Force where it refuses without one); " +
            "or run it in an interactive session.", e), target);
    }

    protected static ErrorRecord ToErrorRecord(VirtToolsException e, object? target = null)
    {
        if (!Enum.TryParse<ErrorCategory>(e.Kind.ToString(), out var category))
            category = ErrorCategory.NotSpecified;
        var record = new ErrorRecord(e, e.ErrorId, category, target ?? e.Target);
        if (e.RecommendedAction is { Length: > 0 } action)
            record.ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = action };
        return record;
    }

    protected static ErrorRecord ToErrorRecord(HostIOException e, string errorId, FailureKind kind, object? target) =>
        ToErrorRecord(new VirtToolsException(errorId, kind, e.Message, target, null, e), target);

    /// <summary>Non-terminating: the next input record may still succeed.</summary>
    protected void WriteError(VirtToolsException e, object? target = null) => WriteError(ToErrorRecord(e, target));

    /// <summary>Terminating: nothing else in this invocation can succeed.</summary>
    protected void ThrowTerminatingError(VirtToolsException e, object? target = null) =>
        ThrowTerminatingError(ToErrorRecord(e, target));
}
