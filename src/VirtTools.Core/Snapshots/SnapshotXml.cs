using System.Globalization;
using System.Xml.Linq;

namespace VirtTools.Snapshots;

/// <summary>The domainsnapshot XML VirtTools writes and reads (libvirt formatsnapshot).</summary>
public static class SnapshotXml
{
    public static string Build(string name, string? description)
    {
        var e = new XElement("domainsnapshot", new XElement("name", name));
        if (!string.IsNullOrEmpty(description)) e.Add(new XElement("description", description));
        return e.ToString(SaveOptions.DisableFormatting);
    }

    /// <summary>
    /// A name for a snapshot the user did not name: the local time, sortable and free of the
    /// characters libvirt refuses ('/') or shells mangle (':').
    /// </summary>
    public static string DefaultName(DateTime now, Func<string, bool> taken)
    {
        var stem = now.ToString("yyyy-MM-dd_HH-mm-ss", CultureInfo.InvariantCulture);
        var name = stem;
        for (int i = 2; taken(name); i++) name = $"{stem}-{i}";
        return name;
    }

    public static VMGuestSnapshot Parse(string xml, string guest, bool isCurrent, string connectionUri)
    {
        var root = XDocument.Parse(xml).Root ?? throw new FormatException("empty snapshot XML");
        var state = (string?)root.Element("state") ?? "";
        var memory = (string?)root.Element("memory")?.Attribute("snapshot");
        // Older libvirt wrote no <memory/>; then a snapshot of an active guest held its memory.
        bool hasMemory = memory is null
            ? state is "running" or "paused" or "blocked" or "pmsuspended"
            : memory is "internal" or "external";
        var diskModes = root.Element("disks")?.Elements("disk")
            .Select(d => (string?)d.Attribute("snapshot")).Where(s => s is "internal" or "external").Distinct().ToArray()
            ?? Array.Empty<string?>();
        string location = memory == "external" || diskModes.Contains("external") ? "external" : "internal";
        long.TryParse((string?)root.Element("creationTime"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch);
        return new VMGuestSnapshot
        {
            Guest = guest,
            Name = (string?)root.Element("name") ?? "",
            Description = (string?)root.Element("description"),
            CreationTime = DateTimeOffset.FromUnixTimeSeconds(epoch).LocalDateTime,
            State = state,
            Parent = (string?)root.Element("parent")?.Element("name"),
            IsCurrent = isCurrent,
            HasMemory = hasMemory,
            Location = location,
            ConnectionUri = connectionUri,
        };
    }
}
