using VirtTools.Libvirt;

namespace VirtTools.Guests;

/// <summary>
/// New-VMGuest's rollback when the daemon dies under it: the connection is gone, so what was made is undone
/// through a new one once the daemon answers again (systemd restarts libvirtd within seconds); what cannot be
/// undone in that time is named in the error with the command that removes it.
/// </summary>
public sealed partial class GuestCreator
{
    /// <summary>How long a rollback waits for a lost daemon to answer again before it reports what is left.</summary>
    public static TimeSpan ReconnectWindow { get; set; } = TimeSpan.FromSeconds(10);

    private enum CreateStep { Volume, Define, Start }

    /// <summary>
    /// Undoes what <see cref="Create"/> made before <paramref name="failure"/>. Returns the exception to throw:
    /// the failure itself when everything was undone on the same connection, else one that says what was
    /// undone or what is left.
    /// </summary>
    private Exception Undo(Exception failure, GuestPlan plan, CreateStep step, ILibvirtDomain? domain, ILibvirtStorageVolume? created)
    {
        var lost = IsLost(failure);
        // A call in flight when the connection broke may have been done by the daemon: its object may exist.
        var mayHaveDefinition = domain is not null || lost && step >= CreateStep.Define;
        var mayHaveVolume = created is not null || lost && plan.Volume is not null;
        var undoneHere = true;
        try
        {
            if (domain is not null)
            {
                if (domain.IsActive) domain.Destroy();
                domain.Undefine();
                mayHaveDefinition = false;
            }
        }
        catch (LibvirtException e) { undoneHere = false; lost |= IsLost(e); }
        try
        {
            if (created is not null && undoneHere)
            {
                created.Delete();
                mayHaveVolume = false;
            }
        }
        catch (LibvirtException e) { undoneHere = false; lost |= IsLost(e); }
        domain?.Dispose();
        created?.Dispose();
        if (!lost) return failure;   // the daemon refused a step and answered the undo: as before, nothing is left

        var uri = _c.Uri;
        var name = plan.Spec.Name;
        if (mayHaveDefinition || mayHaveVolume)
            (mayHaveDefinition, mayHaveVolume) = UndoOnNewConnection(uri, name, plan.Volume, mayHaveDefinition, mayHaveVolume);

        var left = new List<string>();
        var commands = new List<string>();
        if (mayHaveDefinition)
        {
            left.Add($"the definition of guest '{name}' (and its QEMU, if it started)");
            commands.Add($"virsh -c '{uri}' destroy {name}; virsh -c '{uri}' undefine {name}");
        }
        if (mayHaveVolume && plan.Volume is { } v)
        {
            left.Add($"the volume {v.Path} (pool '{v.Pool}')");
            commands.Add($"virsh -c '{uri}' vol-delete --pool {v.Pool} {v.Name}");
        }
        if (left.Count == 0)
            return new VirtToolsException(LibvirtErrorClassifier.Ids.ConnectionLost, FailureKind.ConnectionError,
                $"{failure.Message} New-VMGuest undid what it had made through a new connection once the daemon answered again: nothing of '{name}' is left.",
                name, "See why the daemon went away with 'journalctl -u libvirtd' (or -u virtqemud), then run New-VMGuest again.", failure);
        return new VirtToolsException(LibvirtErrorClassifier.Ids.ConnectionLost, FailureKind.ConnectionError,
            $"{failure.Message} The daemon did not answer again within {ReconnectWindow.TotalSeconds:0} s, so New-VMGuest could not undo its work; " +
            $"what may be left on {uri}: {string.Join("; ", left)}.",
            name,
            $"Once the daemon is back ('journalctl -u libvirtd' says why it went away), remove what is left (a 'not found' answer means it was never made): {string.Join("; ", commands)}. Then run New-VMGuest again.",
            failure);
    }

    private static bool IsLost(Exception e) => e is VirtToolsException { ErrorId: LibvirtErrorClassifier.Ids.ConnectionLost };

    /// <summary>
    /// Looks the guest and the volume up by name on a new connection and removes them. The name is ours: the
    /// plan refused a name in use and the volume file that would have been overwritten.
    /// </summary>
    private (bool Definition, bool Volume) UndoOnNewConnection(string uri, string name, NewVolume? volume, bool definition, bool hasVolume)
    {
        var deadline = DateTime.UtcNow + ReconnectWindow;
        while (true)
        {
            try
            {
                using var c = LibvirtConnector.Open(uri);
                if (definition)
                {
                    using var d = c.FindDomain(name);
                    if (d is not null)
                    {
                        if (d.IsActive) d.Destroy();
                        d.Undefine();
                    }
                    definition = false;
                }
                if (hasVolume && volume is not null)
                {
                    using var pool = c.FindStoragePool(volume.Pool);
                    using var vol = pool?.FindVolume(volume.Name);
                    vol?.Delete();
                    hasVolume = false;
                }
                return (definition, hasVolume);
            }
            catch (LibvirtException) when (DateTime.UtcNow < deadline) { Thread.Sleep(500); }
            catch (LibvirtException) { return (definition, hasVolume); }
        }
    }
}
