using System.Xml.Linq;

namespace VirtTools.Guests;

/// <summary>The volume New-VMGuest will create for the guest's first disk: qcow2 in a pool of files, a raw block device (an LV) in a logical pool.</summary>
public sealed record NewVolume(string Pool, string Name, string Path, long SizeBytes)
{
    public string Format { get; init; } = "qcow2";
    public bool Block { get; init; }

    public string Xml() => new XElement("volume",
        new XElement("name", Name),
        new XElement("capacity", new XAttribute("unit", "bytes"), SizeBytes),
        new XElement("target", new XElement("format", new XAttribute("type", Format)))).ToString();
}

/// <summary>Everything checked and decided, nothing changed yet.</summary>
public sealed partial class GuestPlan
{
    public required GuestSpec Spec { get; init; }
    public required string Xml { get; init; }
    public NewVolume? Volume { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();

    public string Describe()
    {
        var s = Spec;
        var parts = new List<string>
        {
            $"{s.Hypervisor} {s.Mode}", $"{s.MemoryBytes >> 20} MiB", $"{s.ProcessorCount} vCPU",
        };
        if (s.Mode != GuestMode.PV) parts.Add(s.Firmware == GuestFirmware.Uefi ? s.SecureBoot ? "UEFI Secure Boot" : "UEFI" : "BIOS");
        if (Volume is { } v) parts.Add($"new {v.SizeBytes >> 30} GiB {v.Format} volume {v.Path} in pool '{v.Pool}'");
        DescribeProvision(parts);
        DescribeInstall(parts);
        foreach (var d in s.Disks.Where(d => (Volume is null || d.Path != Volume.Path) && d.Path != BaseDisk?.Path)) parts.Add($"disk {d.Path}");
        if (Install?.Tree is { Kind: Provisioning.InstallSourceKind.Iso } t) parts.Add($"cdrom {t.Location} during the install boot");
        if (s.CdromPath is { } iso) parts.Add($"cdrom {iso}");
        if (s.DriverMediaPath is { } dm) parts.Add($"driver media cdrom {dm}");
        if (s.Network is { } n) parts.Add($"network '{n}'");
        if (s.Bridge is { } b) parts.Add($"bridge {b}");
        if (s.Kernel is { } k) parts.Add($"kernel {k}");
        if (s.Bootloader is { } bl) parts.Add($"bootloader {bl}");
        foreach (var h in s.HostDevices) parts.Add($"host device {h}");
        if (s.NoGraphics) parts.Add("no graphics (console only)");
        return string.Join(", ", parts);
    }
}
