using System.Text;
using DiscUtils.Iso9660;
using VirtTools.Provisioning;

namespace VirtTools.Tests.Provisioning;

public sealed class SeedIsoWriterTests
{
    private static readonly KeyValuePair<string, byte[]>[] Files =
    [
        new("user-data", Encoding.UTF8.GetBytes("#cloud-config\nusers: []\n")),
        new("meta-data", Encoding.UTF8.GetBytes("instance-id: x\n")),
        new("network-config", Encoding.UTF8.GetBytes("version: 2\n")),
    ];

    [Fact]
    public void The_seed_holds_the_files_under_their_exact_names()
    {
        using var iso = new MemoryStream(SeedIsoWriter.Build(Files));
        using var reader = new CDReader(iso, joliet: true);
        Assert.Equal("cidata", reader.VolumeLabel);
        // DiscUtils shows Joliet's "name." as it is stored; Linux's iso9660 driver drops the final dot (the lab guest lists the exact names).
        Assert.Equal(["meta-data", "network-config", "user-data"], reader.GetFiles("\\").Select(f => f.Trim('\\', '/').Split(';')[0].TrimEnd('.')).Order());
        foreach (var (name, data) in Files)
        {
            using var s = reader.OpenFile(name + ".", FileMode.Open);
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            Assert.Equal(data, ms.ToArray());
        }
    }

    /// <summary>What blkid (so cloud-init's ds-identify) reads: the Joliet descriptor's label in UCS-2BE, padded with U+0020.</summary>
    [Fact]
    public void The_joliet_label_is_cidata_padded_with_ucs2_spaces_not_u2020()
    {
        var iso = SeedIsoWriter.Build(Files);
        var svd = Enumerable.Range(16, 8).Select(s => s * 2048).First(o => iso[o] == 2);
        Assert.Equal("%/", Encoding.ASCII.GetString(iso, svd + 88, 2));
        var label = Encoding.BigEndianUnicode.GetString(iso, svd + 40, 32);
        Assert.Equal("cidata" + new string(' ', 10), label);
        foreach (var (offset, length) in new[] { (8, 32), (190, 128), (318, 128), (446, 128), (574, 128) })
            Assert.DoesNotContain('\u2020', Encoding.BigEndianUnicode.GetString(iso, svd + offset, length));
        Assert.Equal("cidata", Encoding.ASCII.GetString(iso, 16 * 2048 + 40, 32).TrimEnd());
    }

    [Fact]
    public void The_fix_rewrites_the_library_padding_and_leaves_other_text_alone()
    {
        var iso = new byte[20 * 2048];
        void Descriptor(int sector, byte type, string esc)
        {
            var o = sector * 2048;
            iso[o] = type;
            Encoding.ASCII.GetBytes("CD001").CopyTo(iso, o + 1);
            Encoding.ASCII.GetBytes(esc).CopyTo(iso, o + 88);
            Encoding.BigEndianUnicode.GetBytes("ab").CopyTo(iso, o + 40);
            for (var i = o + 44; i < o + 72; i++) iso[i] = 0x20;
        }
        Descriptor(16, 1, "");
        Descriptor(17, 2, "%/E");
        Descriptor(18, 255, "");
        SeedIsoWriter.FixJolietPadding(iso);
        Assert.Equal("ab" + new string(' ', 14), Encoding.BigEndianUnicode.GetString(iso, 17 * 2048 + 40, 32));
        Assert.All(iso.AsSpan(16 * 2048 + 44, 28).ToArray(), b => Assert.Equal(0x20, b));
    }
}
