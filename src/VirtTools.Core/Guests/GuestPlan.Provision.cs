using System.Xml.Linq;

namespace VirtTools.Guests;

/// <summary>
/// The guest's first disk made from a base image: a qcow2 overlay whose backing file is the image, or
/// (<see cref="CopyFrom"/> set) a full copy of that volume, grown to <see cref="GrowToBytes"/> afterwards.
/// </summary>
public sealed record BaseDiskVolume(string Pool, string Name, string Path, string BasePath, string BaseFormat, long? CapacityBytes,
    string? CopyFrom, long? GrowToBytes)
{
    public string Xml()
    {
        var v = new XElement("volume", new XElement("name", Name));
        if (CopyFrom is null && CapacityBytes is long c) v.Add(new XElement("capacity", new XAttribute("unit", "bytes"), c));
        v.Add(new XElement("target", new XElement("format", new XAttribute("type", "qcow2"))));
        if (CopyFrom is null)
            v.Add(new XElement("backingStore", new XElement("path", BasePath), new XElement("format", new XAttribute("type", BaseFormat))));
        return v.ToString();
    }
}

/// <summary>The NoCloud seed ISO: its bytes are uploaded into a new raw volume of the pool.</summary>
public sealed record SeedVolume(string Pool, string Name, string Path, byte[] Image)
{
    public string Xml() => new XElement("volume",
        new XElement("name", Name),
        new XElement("capacity", new XAttribute("unit", "bytes"), Image.LongLength),
        new XElement("target", new XElement("format", new XAttribute("type", "raw")))).ToString();
}

public sealed partial class GuestPlan
{
    public BaseDiskVolume? BaseDisk { get; init; }
    public SeedVolume? Seed { get; init; }

    private void DescribeProvision(List<string> parts)
    {
        if (BaseDisk is { } b)
            parts.Add(b.CopyFrom is null
                ? $"new qcow2 overlay {b.Path} in pool '{b.Pool}' backed by {b.BasePath} ({b.BaseFormat})"
                : $"new qcow2 volume {b.Path} in pool '{b.Pool}', a full copy of {b.BasePath}");
        if (Seed is { } s) parts.Add($"cloud-init seed ISO {s.Path} ({s.Image.Length >> 10} KiB) in pool '{s.Pool}'");
    }
}
