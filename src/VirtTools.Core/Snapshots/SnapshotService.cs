using VirtTools.Guests;
using VirtTools.Libvirt;

namespace VirtTools.Snapshots;

/// <summary>Snapshots of one connection's guests: reads them into VMGuestSnapshot objects and changes them after the pre-flight checks.</summary>
public sealed class SnapshotService
{
    private readonly ILibvirtConnection _conn;

    public SnapshotService(ILibvirtConnection connection) => _conn = connection;

    public string ConnectionUri => _conn.Uri;

    public ILibvirtDomain FindGuest(string? name) =>
        (string.IsNullOrEmpty(name) ? null : _conn.FindDomain(name)) ?? throw new VirtToolsException("GuestNotFound", FailureKind.ObjectNotFound,
            $"No guest named '{name}' at {_conn.Uri}.", name, "Run Get-VMGuest to see the guests this connection has.");

    public IReadOnlyList<ILibvirtDomain> ListGuests() => _conn.ListDomains();

    /// <summary>Every snapshot of the guest, parents before children (libvirt's topological order).</summary>
    public IReadOnlyList<VMGuestSnapshot> List(ILibvirtDomain guest)
    {
        var snaps = guest.ListSnapshots(SnapshotListFlags.Topological);
        try { return snaps.Select(s => Read(guest.Name, s)).ToArray(); }
        finally { foreach (var s in snaps) s.Dispose(); }
    }

    public VMGuestSnapshot? Find(ILibvirtDomain guest, string snapshotName)
    {
        using var s = guest.FindSnapshot(snapshotName);
        return s is null ? null : Read(guest.Name, s);
    }

    /// <summary>Like <see cref="Find"/>, but a missing snapshot is a SnapshotNotFound error.</summary>
    public VMGuestSnapshot Get(ILibvirtDomain guest, string snapshotName)
    {
        using var s = Open(guest, snapshotName);
        return Read(guest.Name, s);
    }

    private VMGuestSnapshot Read(string guest, ILibvirtSnapshot s) => SnapshotXml.Parse(s.GetXml(), guest, s.IsCurrent, _conn.Uri);

    /// <summary>The refusal for this guest, or null when libvirt may be asked.</summary>
    public VirtToolsException? Preflight(ILibvirtDomain guest) =>
        SnapshotPreflight.Check(GuestReader.Definition(guest.GetXml()), guest.IsActive, _conn.DaemonVersion);

    public string DefaultName(ILibvirtDomain guest, DateTime now)
    {
        var taken = new HashSet<string>(List(guest).Select(s => s.Name), StringComparer.Ordinal);
        return SnapshotXml.DefaultName(now, taken.Contains);
    }

    /// <summary>Refuses a name libvirt would store as a file name or choke on in XML.</summary>
    public static void ValidateName(string? name)
    {
        if (InputText.WhyNotAName(name) is { } why)
            throw new VirtToolsException("InvalidSnapshotName", FailureKind.InvalidArgument,
                $"'{InputText.Shown(name)}' is not a usable snapshot name: {why}. Nothing was changed.", name,
                "Use letters, digits, '-', '_' and '.', or omit -SnapshotName for a dated name.");
    }

    /// <summary>The refusals a new snapshot meets before libvirt is asked, so -WhatIf can give them too.</summary>
    public void CheckNew(ILibvirtDomain guest, string name)
    {
        ValidateName(name);
        if (Preflight(guest) is { } refusal) throw refusal;
        using var existing = guest.FindSnapshot(name);
        if (existing is not null)
            throw new VirtToolsException("SnapshotExists", FailureKind.ResourceExists,
                $"Guest '{guest.Name}' already has a snapshot named '{name}'. Nothing was changed.", name,
                "Pick another -SnapshotName, or remove the old one with Remove-VMGuestSnapshot.");
    }

    public VMGuestSnapshot Create(ILibvirtDomain guest, string name, string? description)
    {
        CheckNew(guest, name);
        // Atomic: a failed snapshot of several disks leaves none of them changed.
        using var s = guest.CreateSnapshot(SnapshotXml.Build(name, description), SnapshotCreateFlags.Atomic);
        return Read(guest.Name, s);
    }

    private ILibvirtSnapshot Open(ILibvirtDomain guest, string snapshotName) =>
        guest.FindSnapshot(snapshotName) ?? throw new VirtToolsException("SnapshotNotFound", FailureKind.ObjectNotFound,
            $"Guest '{guest.Name}' has no snapshot named '{snapshotName}'.", snapshotName,
            $"Run Get-VMGuestSnapshot -Name {guest.Name} to see its snapshots.");

    public VMGuestSnapshot Revert(ILibvirtDomain guest, string snapshotName)
    {
        using var s = Open(guest, snapshotName);
        s.Revert();
        return Read(guest.Name, s);
    }

    /// <summary>The names that a delete removes: the snapshot, and with children its whole subtree.</summary>
    public IReadOnlyList<string> Subtree(ILibvirtDomain guest, string snapshotName)
    {
        var all = List(guest);
        var names = new List<string> { snapshotName };
        for (int i = 0; i < names.Count; i++)
            names.AddRange(all.Where(s => s.Parent == names[i]).Select(s => s.Name));
        return names;
    }

    /// <summary>
    /// Deletes a snapshot (and with <paramref name="includeChildren"/> its descendants); with
    /// <paramref name="metadataOnly"/> only libvirt's record of it: the data stays in the qcow2 images.
    /// </summary>
    public void Delete(ILibvirtDomain guest, string snapshotName, bool includeChildren, bool metadataOnly = false)
    {
        using var s = Open(guest, snapshotName);
        s.Delete((includeChildren ? SnapshotDeleteFlags.Children : SnapshotDeleteFlags.None)
                 | (metadataOnly ? SnapshotDeleteFlags.MetadataOnly : SnapshotDeleteFlags.None));
    }
}
