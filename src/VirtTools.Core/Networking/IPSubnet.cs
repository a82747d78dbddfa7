using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VirtTools.Networking;

/// <summary>
/// An IPv4 or IPv6 prefix (10.20.0.0/16), with the address it was written with: New-VMNetwork's -Subnet,
/// a libvirt network's &lt;ip&gt;, a host route. Addresses are numbers of 32 or 128 bits, so containment
/// and overlap are comparisons of the first and last address.
/// </summary>
public sealed record IPSubnet(IPAddress Address, int Prefix)
{
    public bool IsIPv6 => Address.AddressFamily == AddressFamily.InterNetworkV6;
    private int Bits => IsIPv6 ? 128 : 32;

    private UInt128 HostMask => Prefix >= Bits ? UInt128.Zero : (UInt128.One << (Bits - Prefix)) - 1;
    public UInt128 First => ToNumber(Address) & ~HostMask & AllOnes;
    public UInt128 Last => First | HostMask;
    private UInt128 AllOnes => IsIPv6 ? UInt128.MaxValue : uint.MaxValue;

    /// <summary>True when the written address has host bits set (10.20.0.1/16): that address is meant.</summary>
    public bool HasHostPart => ToNumber(Address) != First;

    public IPAddress NetworkAddress => FromNumber(First, IsIPv6);
    public IPAddress At(UInt128 n) => FromNumber(n, IsIPv6);

    public bool Overlaps(IPSubnet other) =>
        IsIPv6 == other.IsIPv6 && First <= other.Last && other.First <= Last;

    public override string ToString() => $"{NetworkAddress}/{Prefix.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>"a.b.c.d/n" or "x::/n"; null when it is not one.</summary>
    public static IPSubnet? TryParse(string? text)
    {
        if (text is null) return null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0) return null;
        if (!IPAddress.TryParse(text[..slash], out var a) || a.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)) return null;
        // IPAddress.TryParse accepts "10.1" and scoped IPv6; only the plain written forms are subnets here.
        if (text[..slash].Contains('%') || (a.AddressFamily == AddressFamily.InterNetwork && text[..slash].Count(c => c == '.') != 3)) return null;
        var digits = text[(slash + 1)..];
        if (digits.Length is 0 or > 3 || !digits.All(char.IsAsciiDigit)) return null;
        var p = int.Parse(digits, CultureInfo.InvariantCulture);
        return p > (a.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32) ? null : new IPSubnet(a, p);
    }

    public static UInt128 ToNumber(IPAddress a)
    {
        UInt128 n = 0;
        foreach (var b in a.GetAddressBytes()) n = (n << 8) | b;
        return n;
    }

    public static IPAddress FromNumber(UInt128 n, bool v6)
    {
        var bytes = new byte[v6 ? 16 : 4];
        for (var i = bytes.Length - 1; i >= 0; i--) { bytes[i] = (byte)(n & 0xff); n >>= 8; }
        return new IPAddress(bytes);
    }

    /// <summary>The prefix of a dotted netmask (255.255.252.0: 22); null when it is not contiguous.</summary>
    public static int? PrefixOfMask(IPAddress mask)
    {
        var n = (uint)ToNumber(mask);
        var p = System.Numerics.BitOperations.PopCount(n);
        return n == (p == 0 ? 0u : uint.MaxValue << (32 - p)) ? p : null;
    }
}
