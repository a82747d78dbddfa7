using System.Globalization;
using System.Xml.Linq;
using VirtTools.Libvirt;

namespace VirtTools.Networking;

/// <summary>MAC addresses as libvirt writes them (aa:bb:cc:dd:ee:ff), and the ones a connection's guests use.</summary>
public static class MacAddress
{
    /// <summary>libvirt's (and QEMU's) locally administered range for generated MACs.</summary>
    public const string LibvirtPrefix = "52:54:00";

    /// <summary>
    /// aa:bb:cc:dd:ee:ff from that, aa-bb-cc-dd-ee-ff or aabbccddeeff in either case; null for anything
    /// else. Multicast (low bit of the first byte) and all-zero are not a NIC's address.
    /// </summary>
    public static string? Normalize(string? text)
    {
        var t = (text ?? "").Trim();
        var hex = t;
        if (t.Length == 17)
        {
            // One separator throughout: ':' or '-'.
            var sep = t[2];
            if (sep is not (':' or '-') || Enumerable.Range(1, 5).Any(i => t[i * 3 - 1] != sep)) return null;
            hex = t.Replace(sep.ToString(), "", StringComparison.Ordinal);
        }
        if (hex.Length != 12) return null;
        if (!hex.All(Uri.IsHexDigit)) return null;
        var bytes = Enumerable.Range(0, 6).Select(i => byte.Parse(hex.AsSpan(i * 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
        if ((bytes[0] & 1) != 0 || bytes.All(b => b == 0)) return null;
        return string.Join(":", bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    /// <summary>Every MAC the guests of <paramref name="c"/> have, running or defined (libvirt refuses none of them twice; the network would).</summary>
    public static HashSet<string> InUse(ILibvirtConnection c)
    {
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var d in c.ListDomains())
            using (d)
            {
                try
                {
                    foreach (var flags in d.IsActive ? new[] { DomainXmlFlags.None, DomainXmlFlags.Inactive } : new[] { DomainXmlFlags.Inactive })
                        foreach (var nic in GuestNicReader.Read(d.GetXml(flags)))
                            if (nic.MacAddress is { } m) used.Add(m);
                }
                catch (LibvirtException e) when (e.Code == ErrorCodes.NoDomain) { } // removed meanwhile
            }
        return used;
    }

    /// <summary>A random 52:54:00:xx:xx:xx not in <paramref name="used"/>, as libvirt generates them.</summary>
    public static string Generate(ISet<string> used, Random? random = null)
    {
        random ??= Random.Shared;
        Span<byte> b = stackalloc byte[3];
        for (var attempt = 0; attempt < 10_000; attempt++)
        {
            random.NextBytes(b);
            var mac = string.Create(CultureInfo.InvariantCulture, $"{LibvirtPrefix}:{b[0]:x2}:{b[1]:x2}:{b[2]:x2}");
            if (!used.Contains(mac)) return mac;
        }
        throw new VirtToolsException("MacAddressRangeFull", FailureKind.LimitsExceeded,
            $"No free MAC address was found in {LibvirtPrefix}:xx:xx:xx.", null, "Give one with -MacAddress.");
    }

    internal static XElement? FindNic(XElement domain, string mac) =>
        domain.Element("devices")?.Elements("interface")
            .FirstOrDefault(i => string.Equals((string?)i.Element("mac")?.Attribute("address"), mac, StringComparison.OrdinalIgnoreCase));
}
