using System.Xml.Linq;
using VirtTools.Libvirt;

namespace VirtTools.Storage;

/// <summary>
/// Which guests use which storage: every disk source of every guest (the running state and the
/// definition), backing chains included, as paths and as pool/volume names. Read once per command.
/// </summary>
public sealed class StorageUsers
{
    private readonly Dictionary<string, SortedSet<string>> _byKey = new(StringComparer.Ordinal);

    public static StorageUsers Read(ILibvirtConnection c)
    {
        var u = new StorageUsers();
        foreach (var d in c.ListDomains())
            using (d)
            {
                u.AddDomain(d.Name, d.GetXml());
                if (d.IsActive && d.IsPersistent) u.AddDomain(d.Name, d.GetXml(DomainXmlFlags.Inactive));
            }
        return u;
    }

    internal void AddDomain(string guest, string xml)
    {
        var root = XDocument.Parse(xml).Root;
        if (root?.Element("devices") is not { } devices) return;
        foreach (var disk in devices.Elements("disk"))
            foreach (var source in disk.DescendantsAndSelf().Elements("source"))
            {
                if (((string?)source.Attribute("file") ?? (string?)source.Attribute("dev")) is { } path) Add(path, guest);
                if ((string?)source.Attribute("pool") is { } pool && (string?)source.Attribute("volume") is { } vol) Add(Key(pool, vol), guest);
            }
    }

    private void Add(string key, string guest)
    {
        if (!_byKey.TryGetValue(key, out var set)) _byKey[key] = set = new SortedSet<string>(StringComparer.Ordinal);
        set.Add(guest);
    }

    private static string Key(string pool, string volume) => "\0" + pool + "\0" + volume;

    /// <summary>The guests that use the volume, by its path or as pool/volume.</summary>
    public string[] Of(string pool, string volume, string path)
    {
        var all = new SortedSet<string>(StringComparer.Ordinal);
        if (_byKey.TryGetValue(path, out var a)) all.UnionWith(a);
        if (_byKey.TryGetValue(Key(pool, volume), out var b)) all.UnionWith(b);
        return all.ToArray();
    }
}
