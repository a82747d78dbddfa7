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
    /// A volume New-VMGuest asked the daemon for (the disk, the base-image disk, the seed ISO): once the call
    /// was sent it may exist, whether or not the answer came back. <see cref="Made"/> is the handle when it did.
    /// </summary>
    private sealed class AskedVolume(string pool, string name, string path, string what)
    {
        public string Pool { get; } = pool;
        public string Name { get; } = name;
        public string Path { get; } = path;
        public string What { get; } = what;
        public ILibvirtStorageVolume? Made { get; set; }
        public bool Removed { get; set; }
    }

    /// <summary>
    /// Undoes what <see cref="Create"/> made before <paramref name="failure"/>: the definition first, then the
    /// volumes it used. Returns the exception to throw: the failure itself when everything was undone on the
    /// same connection, else one that says what was undone or what is left.
    /// </summary>
    private Exception Undo(Exception failure, GuestPlan plan, CreateStep step, ILibvirtDomain? domain, List<AskedVolume> asked)
    {
        var lost = IsLost(failure);
        // A call in flight when the connection broke may have been done by the daemon: its object may exist.
        var mayHaveDefinition = domain is not null || lost && step >= CreateStep.Define;
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
        foreach (var v in asked)
        {
            // A volume still used by a definition that could not be removed stays with it.
            if (v.Made is null || !undoneHere || lost) continue;
            try
            {
                v.Made.Delete();
                v.Removed = true;
            }
            catch (LibvirtException e) { lost |= IsLost(e); }
        }
        domain?.Dispose();
        foreach (var v in asked) v.Made?.Dispose();
        // The daemon refused a step and answered the undo: as before, nothing is left (a volume it would not
        // delete is its own error, not a lost daemon's).
        if (!lost) return failure;

        var uri = _c.Uri;
        var name = plan.Spec.Name;
        var left = asked.Where(v => !v.Removed).ToList();
        if (mayHaveDefinition || left.Count > 0)
            mayHaveDefinition = UndoOnNewConnection(uri, name, mayHaveDefinition, left);
        left = left.Where(v => !v.Removed).ToList();

        var what = new List<string>();
        var commands = new List<string>();
        if (mayHaveDefinition)
        {
            what.Add($"the definition of guest '{name}' (and its QEMU, if it started)");
            commands.Add($"virsh -c '{uri}' destroy {name}; virsh -c '{uri}' undefine {name}");
        }
        foreach (var v in left)
        {
            what.Add($"{v.What} {v.Path} (pool '{v.Pool}')");
            commands.Add($"virsh -c '{uri}' vol-delete --pool {v.Pool} {v.Name}");
        }
        if (what.Count == 0)
            return new VirtToolsException(LibvirtErrorClassifier.Ids.ConnectionLost, FailureKind.ConnectionError,
                $"{failure.Message} New-VMGuest undid what it had made through a new connection once the daemon answered again: nothing of '{name}' is left.",
                name, "See why the daemon went away with 'journalctl -u libvirtd' (or -u virtqemud), then run New-VMGuest again.", failure);
        return new VirtToolsException(LibvirtErrorClassifier.Ids.ConnectionLost, FailureKind.ConnectionError,
            $"{failure.Message} The daemon did not answer again within {ReconnectWindow.TotalSeconds:0} s, so New-VMGuest could not undo its work; " +
            $"what may be left on {uri}: {string.Join("; ", what)}.",
            name,
            $"Once the daemon is back ('journalctl -u libvirtd' says why it went away), remove what is left (a 'not found' answer means it was never made): {string.Join("; ", commands)}. Then run New-VMGuest again.",
            failure);
    }

    private static bool IsLost(Exception e) => e is VirtToolsException { ErrorId: LibvirtErrorClassifier.Ids.ConnectionLost };

    /// <summary>
    /// Looks the guest and the volumes up by name on a new connection and removes them; returns whether the
    /// definition may still be there. The names are ours: the plan refused a guest name in use and every volume
    /// name or file that would have been overwritten.
    /// </summary>
    private static bool UndoOnNewConnection(string uri, string name, bool definition, List<AskedVolume> volumes)
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
                foreach (var v in volumes.Where(v => !v.Removed))
                {
                    using var pool = c.FindStoragePool(v.Pool);
                    using var vol = pool?.FindVolume(v.Name);
                    vol?.Delete();
                    v.Removed = true;
                }
                return definition;
            }
            catch (LibvirtException) when (DateTime.UtcNow < deadline) { Thread.Sleep(500); }
            catch (LibvirtException) { return definition; }
        }
    }
}
