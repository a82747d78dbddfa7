using System.Xml.Linq;
using VirtTools.Libvirt;

namespace VirtTools.Guests;

/// <summary>One disk of a clone: copied into a new volume, or a qcow2 overlay whose backing file is the source's disk.</summary>
public sealed record CloneDisk(string Target, string SourcePath, string SourceFormat, string Pool, string NewName, string NewPath,
    long CapacityBytes, bool Linked)
{
    public string Xml() => new XElement("volume",
        new XElement("name", NewName),
        new XElement("capacity", new XAttribute("unit", "bytes"), CapacityBytes),
        new XElement("target", new XElement("format", new XAttribute("type", Linked ? "qcow2" : SourceFormat))),
        Linked ? new XElement("backingStore", new XElement("path", SourcePath), new XElement("format", new XAttribute("type", SourceFormat))) : null)
        .ToString();
}

/// <summary>Everything Copy-VMGuest checked and decided, nothing created yet.</summary>
public sealed class ClonePlan
{
    public required string Source { get; init; }
    public required string NewName { get; init; }
    public required string Xml { get; init; }
    public bool Linked { get; init; }
    public IReadOnlyList<CloneDisk> Disks { get; init; } = Array.Empty<CloneDisk>();
    /// <summary>Disks the clone shares with the source as they are: CD/DVD media, read-only and shareable disks.</summary>
    public IReadOnlyList<string> Shared { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();
    /// <summary>The source's UEFI variable store and the clone's, when the source has one (copied if the file exists).</summary>
    public (string Source, string Clone)? Nvram { get; init; }

    public string Describe()
    {
        var parts = Disks.Select(d => d.Linked ? $"overlay {d.NewPath} on {d.SourcePath}" : $"copy {d.SourcePath} to {d.NewPath}").ToList();
        if (Nvram is { } n) parts.Add($"copy UEFI variables {n.Source} to {n.Clone}");
        parts.AddRange(Shared.Select(s => $"share {s}"));
        return $"clone '{Source}' as '{NewName}' (new UUID and MACs" + (parts.Count > 0 ? "; " + string.Join(", ", parts) : "") + ")";
    }
}

/// <summary>
/// Copy-VMGuest's core, what virt-clone does: the source's persistent definition with a new name, UUID
/// and MACs (libvirt generates them when they are left out), each writable disk copied through the
/// storage API (so it works on a remote URI) or, linked, turned into an overlay on the source's disk.
/// A failure half-way deletes what was created: no definition, no volume is left behind.
/// </summary>
public sealed class GuestCloner(ILibvirtConnection c)
{
    public ClonePlan Plan(string source, string newName, bool linked, string? storagePool, bool force)
    {
        GuestSpecValidator.ValidateName(newName);
        using var src = c.FindDomain(source) ?? throw new VirtToolsException("GuestNotFound", FailureKind.ObjectNotFound,
            $"No guest named '{source}' on {c.Uri}; nothing was created.", source, "List guests with Get-VMGuest.");
        using (var taken = c.FindDomain(newName))
            if (taken is not null)
                throw new VirtToolsException("CloneNameInUse", FailureKind.ResourceExists,
                    $"A guest named '{newName}' already exists on {c.Uri}; nothing was created.", newName, "Choose another -NewName.");
        var warnings = new List<string>();
        var (state, _) = src.GetState();
        if (src.IsActive)
        {
            if (linked)
                throw new VirtToolsException("CloneSourceRunning", FailureKind.ResourceBusy,
                    $"Guest '{source}' is {(state == DomainState.Paused ? "paused" : "running")}: a linked clone's disks are overlays on its disks, which it would go on writing to, and every clone would then be corrupt. Nothing was created.",
                    source, $"Shut it off first (Stop-VMGuest {source}), then clone it with -Linked.");
            if (state != DomainState.Paused && !force)
                throw new VirtToolsException("CloneSourceRunning", FailureKind.ResourceBusy,
                    $"Guest '{source}' is running: its disks change while they are copied, so the copy may not be consistent. Nothing was created.",
                    source, $"Pause it (Suspend-VMGuest {source}) or shut it off first, or add -Force to copy it anyway.");
            if (state != DomainState.Paused)
                warnings.Add($"Guest '{source}' is running: its disks are copied while it writes to them; the clone may need a file system check.");
        }

        var doc = XDocument.Parse(src.GetXml(DomainXmlFlags.Inactive | DomainXmlFlags.Secure));
        var root = doc.Root!;
        var disks = new List<CloneDisk>();
        var shared = new List<string>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var disk in root.Element("devices")?.Elements("disk").ToList() ?? [])
        {
            var target = (string?)disk.Element("target")?.Attribute("dev") ?? "";
            var device = (string?)disk.Attribute("device") ?? "disk";
            var type = (string?)disk.Attribute("type") ?? "file";
            var srcEl = disk.Element("source");
            if (srcEl is null) continue;
            if (device != "disk" || disk.Element("readonly") is not null || disk.Element("shareable") is not null)
            {
                shared.Add($"{target} ({(string?)srcEl.Attribute("file") ?? (string?)srcEl.Attribute("dev") ?? (string?)srcEl.Attribute("volume") ?? type})");
                continue;
            }
            var (path, vol, pool) = ResolveVolume(type, srcEl, target, source);
            using (vol)
            using (pool)
            {
                var into = storagePool is null ? pool : c.FindStoragePool(storagePool) ?? throw new VirtToolsException("StoragePoolNotFound",
                    FailureKind.ObjectNotFound, $"Storage pool '{storagePool}' does not exist; nothing was created.", storagePool,
                    "List pools with Get-VMStoragePool or 'virsh pool-list --all'.");
                try
                {
                    var format = (string?)disk.Element("driver")?.Attribute("type") ?? VolumeFormat(vol) ?? "raw";
                    var ext = linked || format == "qcow2" ? ".qcow2" : System.IO.Path.GetExtension(path) is { Length: > 1 } e ? e : ".img";
                    var name = newName + (disks.Count == 0 ? "" : "-" + target) + ext;
                    if (!used.Add(name) || into.FindVolume(name) is { } old && Dispose(old))
                        throw new VirtToolsException("CloneDiskExists", FailureKind.ResourceExists,
                            $"Storage pool '{into.Name}' already has a volume '{name}'; Copy-VMGuest never overwrites a disk. Nothing was created.", name,
                            "Remove that volume, or choose another -NewName or -StoragePool.");
                    var dir = (string?)XDocument.Parse(into.GetXml()).Root!.Element("target")?.Element("path");
                    var newPath = dir is null ? name : dir.TrimEnd('/') + "/" + name;
                    disks.Add(new CloneDisk(target, path, format, into.Name, name, newPath, vol.CapacityBytes, linked));
                    // The clone's disk: the new file; a volume-type disk is pointed at a plain file so it does not depend on the pool's name.
                    disk.SetAttributeValue("type", "file");
                    srcEl.ReplaceWith(new XElement("source", new XAttribute("file", newPath)));
                    var driver = disk.Element("driver");
                    if (driver is null) disk.AddFirst(driver = new XElement("driver", new XAttribute("name", "qemu")));
                    driver.SetAttributeValue("type", linked ? "qcow2" : format);
                    disk.Element("backingStore")?.Remove();
                }
                finally { if (!ReferenceEquals(into, pool)) into.Dispose(); }
            }
        }

        root.Element("name")!.Value = newName;
        root.Element("uuid")?.Remove();
        foreach (var nic in root.Element("devices")?.Elements("interface") ?? [])
        {
            nic.Element("mac")?.Remove();
            nic.Element("target")?.Remove();
        }
        // A serial or console written to a file is held open by virtlogd while the source runs: give the clone its own.
        foreach (var src2 in root.Element("devices")?.Elements().Where(e => e.Name.LocalName is "serial" or "console" or "channel" or "parallel")
                     .Where(e => (string?)e.Attribute("type") == "file").Select(e => e.Element("source")).OfType<XElement>().ToList() ?? [])
        {
            if ((string?)src2.Attribute("path") is not { } logPath) continue;
            var dir = System.IO.Path.GetDirectoryName(logPath) ?? "";
            var file = System.IO.Path.GetFileName(logPath);
            var renamed = file.Contains(source, StringComparison.Ordinal) ? file.Replace(source, newName, StringComparison.Ordinal) : newName + "-" + file;
            src2.SetAttributeValue("path", (dir.Length > 0 ? dir.TrimEnd('/') + "/" : "") + renamed);
        }
        // virt-clone's way: the clone gets a copy of the source's UEFI variables (boot entries, Secure Boot keys
        // the OS enrolled) in its own file beside the source's, named as libvirt names them (NAME_VARS.fd).
        (string, string)? nvramCopy = null;
        if (root.Element("os")?.Element("nvram") is { } nvram)
        {
            var from = nvram.Value.Trim();
            if (from.StartsWith('/'))
            {
                var to = (System.IO.Path.GetDirectoryName(from) ?? "").TrimEnd('/') + "/" + newName + "_VARS.fd";
                using (var taken = c.FindStorageVolume(to))
                    if (taken is not null)
                        throw new VirtToolsException("CloneDiskExists", FailureKind.ResourceExists,
                            $"{to}, the clone's UEFI variable store, exists already; Copy-VMGuest never overwrites it. Nothing was created.", to,
                            "Remove the file (it belongs to no guest of that name), or choose another -NewName.");
                nvram.Value = to;
                nvram.Attribute("type")?.Remove();
                nvramCopy = (from, to);
            }
            else
            {
                nvram.RemoveNodes();
                nvram.Attribute("type")?.Remove();
                warnings.Add($"The clone's UEFI variables start from the firmware's template ({(string?)nvram.Attribute("template") ?? "libvirt's default"}), not from '{source}''s: boot entries the OS added are re-created by its fallback loader.");
            }
        }
        root.Element("metadata")?.Elements(LinkedClones.Ns + "clone").Remove();
        if (linked && disks.Count > 0)
        {
            var meta = root.Element("metadata");
            if (meta is null) root.Element("name")!.AddAfterSelf(meta = new XElement("metadata"));
            meta.Add(LinkedClones.Record(source, src.Uuid, disks.Select(d => (d.Target, d.NewPath, d.SourcePath))));
            warnings.Add($"'{source}' becomes the base of '{newName}': Start-VMGuest {source} is refused while the clone exists, because writing to the base corrupts every overlay on it.");
        }
        if (linked && disks.Count == 0)
            warnings.Add($"'{source}' has no writable disk: the clone shares nothing it could write to, so -Linked changes nothing.");
        return new ClonePlan { Source = source, NewName = newName, Xml = doc.ToString(), Linked = linked, Disks = disks, Shared = shared, Warnings = warnings, Nvram = nvramCopy };
    }

    /// <summary>Creates the volumes, then defines the clone (validated), then starts it if asked; undoes all of it on a failure.</summary>
    public ILibvirtDomain Create(ClonePlan plan, bool start, Action<int, CloneDisk>? progress = null)
    {
        var created = new List<ILibvirtStorageVolume>();
        ILibvirtDomain? domain = null;
        ILibvirtStoragePool? transient = null;
        try
        {
            if (plan.Nvram is { } n) transient = CopyNvram(n.Source, n.Clone, created);
            for (var i = 0; i < plan.Disks.Count; i++)
            {
                var d = plan.Disks[i];
                progress?.Invoke(i, d);
                using var pool = c.FindStoragePool(d.Pool) ?? throw new VirtToolsException("StoragePoolNotFound", FailureKind.ObjectNotFound,
                    $"Storage pool '{d.Pool}' is gone.", d.Pool, "Run Copy-VMGuest again.");
                if (d.Linked) created.Add(pool.CreateVolume(d.Xml()));
                else
                {
                    using var source = c.FindStorageVolume(d.SourcePath) ?? throw new VirtToolsException("CloneDiskNotInPool", FailureKind.ObjectNotFound,
                        $"{d.SourcePath} is no longer a volume of any storage pool.", d.SourcePath, "Run Copy-VMGuest again.");
                    created.Add(pool.CreateVolumeFrom(d.Xml(), source));
                }
            }
            domain = c.DefineDomain(plan.Xml, DomainDefineFlags.Validate);
            if (start) domain.Start();
            foreach (var v in created) v.Dispose();
            return domain;
        }
        catch
        {
            if (domain is not null)
            {
                try { if (domain.IsActive) domain.Destroy(); domain.Undefine(); } catch (LibvirtException) { }
                domain.Dispose();
            }
            foreach (var v in created)
            {
                try { v.Delete(); } catch (LibvirtException) { }
                v.Dispose();
            }
            throw;
        }
        finally { DropPool(transient); }
    }

    /// <summary>
    /// Copies the UEFI variable store through the storage API, so it works on a remote URI and whatever
    /// mount namespace the daemon runs in: the NVRAM directory is seldom a pool, so a pool is defined on it
    /// for the copy (virt-clone does the same) and removed afterwards by the caller. A store that does not
    /// exist yet (the source never started) is not copied: libvirt makes the clone's from the template.
    /// </summary>
    private ILibvirtStoragePool? CopyNvram(string from, string to, List<ILibvirtStorageVolume> created)
    {
        var dir = System.IO.Path.GetDirectoryName(from) ?? "/";
        ILibvirtStoragePool? transient = null;
        var source = c.FindStorageVolume(from);
        if (source is null)
        {
            transient = c.DefineStoragePool(new XElement("pool", new XAttribute("type", "dir"),
                new XElement("name", "virttools-nvram-" + Guid.NewGuid().ToString("N")[..8]),
                new XElement("target", new XElement("path", dir))).ToString(SaveOptions.DisableFormatting));
            try { transient.Start(); transient.Refresh(); }
            catch { DropPool(transient); throw; }
            source = transient.FindVolume(System.IO.Path.GetFileName(from));
            if (source is null) return transient;
        }
        using (source)
        {
            var pool = transient;
            try
            {
                pool ??= PoolOf(source) ?? throw new VirtToolsException("StoragePoolNotFound", FailureKind.ObjectNotFound,
                    $"No active storage pool holds {from}.", from, "Start the pool that holds it (virsh pool-start), then run Copy-VMGuest again.");
                created.Add(pool.CreateVolumeFrom(new XElement("volume", new XElement("name", System.IO.Path.GetFileName(to)),
                    new XElement("capacity", new XAttribute("unit", "bytes"), source.CapacityBytes),
                    new XElement("target", new XElement("format", new XAttribute("type", "raw")))).ToString(), source));
            }
            finally { if (!ReferenceEquals(pool, transient)) pool?.Dispose(); }
        }
        return transient;
    }

    /// <summary>Stops and undefines the pool made for the NVRAM copy; a dir pool's stop leaves its files alone.</summary>
    private static void DropPool(ILibvirtStoragePool? pool)
    {
        if (pool is null) return;
        try { if (pool.IsActive) pool.Stop(); } catch (LibvirtException) { }
        try { pool.Undefine(); } catch (LibvirtException) { }
        pool.Dispose();
    }

    private (string Path, ILibvirtStorageVolume Volume, ILibvirtStoragePool Pool) ResolveVolume(string type, XElement source, string target, string guest)
    {
        ILibvirtStorageVolume? vol = null;
        string? path = null;
        if (type == "volume" && (string?)source.Attribute("pool") is { } poolName && (string?)source.Attribute("volume") is { } volName)
        {
            using var p = c.FindStoragePool(poolName);
            vol = p?.FindVolume(volName);
            path = vol?.Path ?? $"{poolName}/{volName}";
        }
        else if (type == "file" && (string?)source.Attribute("file") is { } file)
        {
            path = file;
            vol = c.FindStorageVolume(file);
        }
        else
            throw new VirtToolsException("CloneDiskUnsupported", FailureKind.NotImplemented,
                $"Disk {target} of '{guest}' is a {type} disk: Copy-VMGuest copies file and volume disks only. Nothing was created.", target,
                $"Detach it before cloning (Remove-VMGuestDisk {guest} -Target {target} -Persistent) and attach it to the clone afterwards, or make it shareable.");
        if (vol is null)
            throw new VirtToolsException("CloneDiskNotInPool", FailureKind.ObjectNotFound,
                $"Disk {target} of '{guest}' ({path}) is in no storage pool, so libvirt cannot copy it. Nothing was created.", path,
                "Define a storage pool for its directory (virsh pool-define-as NAME dir --target DIR; virsh pool-start NAME), then run Copy-VMGuest again.");
        var pool = PoolOf(vol);
        if (pool is null)
        {
            vol.Dispose();
            throw new VirtToolsException("CloneDiskNotInPool", FailureKind.ObjectNotFound,
                $"No active storage pool holds disk {target} of '{guest}' ({path}). Nothing was created.", path, "Start the pool that holds it (virsh pool-start).");
        }
        return (vol.Path, vol, pool);
    }

    private ILibvirtStoragePool? PoolOf(ILibvirtStorageVolume vol)
    {
        ILibvirtStoragePool? found = null;
        foreach (var p in c.ListStoragePools())
        {
            if (found is null && p.IsActive && p.FindVolume(vol.Name) is { } v && Dispose(v, v.Path == vol.Path)) { found = p; continue; }
            p.Dispose();
        }
        return found;
    }

    private static string? VolumeFormat(ILibvirtStorageVolume v) =>
        (string?)XDocument.Parse(v.GetXml()).Root?.Element("target")?.Element("format")?.Attribute("type");

    private static bool Dispose(IDisposable d, bool result = true)
    {
        d.Dispose();
        return result;
    }
}
