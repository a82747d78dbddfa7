namespace VirtTools.Storage;

/// <summary>
/// Chooses a new disk's target name as virt-install does: the bus's prefix (vd for virtio, sd for
/// scsi/sata/usb, which share one namespace, hd for ide, xvd for xen) and the first free letter suffix
/// (a..z, aa..zz: libvirt's virDiskNameToIndex order).
/// </summary>
public static class DiskTargetPlanner
{
    public static readonly string[] Buses = ["virtio", "scsi", "sata", "ide", "usb", "xen"];

    public static string Prefix(string bus) => bus switch
    {
        "virtio" => "vd",
        "scsi" or "sata" or "usb" => "sd",
        "ide" => "hd",
        "xen" => "xvd",
        _ => throw new ArgumentOutOfRangeException(nameof(bus), bus, "unknown disk bus"),
    };

    /// <summary>How many targets a bus can take: IDE has two channels of two; the rest are bounded by their names here.</summary>
    public static int Capacity(string bus) => bus == "ide" ? 4 : 26 + 26 * 26;

    /// <summary>0 is a, 25 z, 26 aa, as libvirt numbers disk names.</summary>
    public static string Suffix(int index)
    {
        var s = "";
        for (var i = index + 1; i > 0; i = (i - 1) / 26) s = (char)('a' + (i - 1) % 26) + s;
        return s;
    }

    /// <summary>The first target of <paramref name="bus"/> not in <paramref name="used"/>; null when the bus is full.</summary>
    public static string? Next(string bus, ISet<string> used)
    {
        var prefix = Prefix(bus);
        for (var i = 0; i < Capacity(bus); i++)
        {
            var name = prefix + Suffix(i);
            if (!used.Contains(name)) return name;
        }
        return null;
    }
}
