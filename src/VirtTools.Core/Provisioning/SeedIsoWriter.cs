using DiscUtils.Iso9660;

namespace VirtTools.Provisioning;

/// <summary>
/// cloud-init's NoCloud seed: an ISO 9660 image labelled <c>cidata</c> with the seed files in its
/// root under their exact names. Joliet carries the lower-case names with '-' (plain ISO 9660 would
/// make them USER_DATA); Linux's iso9660 driver and blkid both read the Joliet descriptor.
/// </summary>
public static class SeedIsoWriter
{
    public const string VolumeLabel = "cidata";
    private const int Sector = 2048;
    private const int FirstDescriptorSector = 16;

    /// <summary>The image's bytes: files in the order given, names as given.</summary>
    public static byte[] Build(IEnumerable<KeyValuePair<string, byte[]>> files)
    {
        var b = new CDBuilder { UseJoliet = true, VolumeIdentifier = VolumeLabel };
        foreach (var (name, data) in files) b.AddFile(name, data);
        using var ms = new MemoryStream();
        b.Build(ms);
        var iso = ms.ToArray();
        FixJolietPadding(iso);
        return iso;
    }

    /// <summary>
    /// LTRData.DiscUtils 1.0.89 pads the Joliet descriptor's text fields with the bytes 20 20, which a
    /// UCS-2BE reader (blkid, so cloud-init's ds-identify) takes for U+2020 characters: the label reads
    /// "cidata††††…" and the seed is never found. Rewrites that padding as U+0020 in every Joliet
    /// descriptor's identifiers (system, volume, volume set, publisher, preparer, application, files).
    /// </summary>
    internal static void FixJolietPadding(byte[] iso)
    {
        for (var s = FirstDescriptorSector; (s + 1) * Sector <= iso.Length; s++)
        {
            var o = s * Sector;
            var type = iso[o];
            if (type == 255 || !(iso[o + 1] == 'C' && iso[o + 2] == 'D' && iso[o + 3] == '0' && iso[o + 4] == '0' && iso[o + 5] == '1')) break;
            if (type != 2 || !IsJoliet(iso.AsSpan(o + 88, 3))) continue;
            foreach (var (offset, length) in JolietTextFields)
                for (var i = o + offset; i + 1 < o + offset + length; i += 2)
                    if (iso[i] == 0x20 && iso[i + 1] == 0x20) iso[i] = 0;
        }
    }

    /// <summary>Offsets and lengths of the supplementary descriptor's identifier fields (ECMA-119 8.5).</summary>
    private static readonly (int Offset, int Length)[] JolietTextFields =
        [(8, 32), (40, 32), (190, 128), (318, 128), (446, 128), (574, 128), (702, 37), (739, 37), (776, 37)];

    /// <summary>The escape sequences of Joliet's UCS-2 levels 1 to 3: %/@, %/C, %/E.</summary>
    private static bool IsJoliet(ReadOnlySpan<byte> esc) => esc[0] == '%' && esc[1] == '/' && esc[2] is (byte)'@' or (byte)'C' or (byte)'E';
}
