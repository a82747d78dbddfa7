using System.Security.Cryptography;
using System.Text;

namespace VirtTools.Provisioning;

/// <summary>
/// glibc's SHA-512 crypt ("$6$", Ulrich Drepper's published algorithm): the password hash
/// /etc/shadow and cloud-init's <c>passwd</c> take. .NET has no crypt(3), and calling a program for it
/// would put the password on a command line.
/// </summary>
public static class Sha512Crypt
{
    private const string Itoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    public const int DefaultRounds = 5000;

    /// <summary>A hash with a random 16-character salt.</summary>
    public static string Hash(ReadOnlySpan<byte> password)
    {
        var salt = new char[16];
        for (var i = 0; i < salt.Length; i++) salt[i] = Itoa64[RandomNumberGenerator.GetInt32(64)];
        return Hash(password, new string(salt));
    }

    public static string Hash(ReadOnlySpan<byte> password, string salt, int rounds = DefaultRounds)
    {
        if (salt.Length > 16) salt = salt[..16];
        var saltBytes = Encoding.ASCII.GetBytes(salt);
        var pw = password.ToArray();
        try
        {
            byte[] b;
            using (var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA512))
            {
                h.AppendData(pw); h.AppendData(saltBytes); h.AppendData(pw);
                b = h.GetHashAndReset();
            }
            byte[] a;
            using (var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA512))
            {
                h.AppendData(pw); h.AppendData(saltBytes);
                AppendRepeated(h, b, pw.Length);
                for (var n = pw.Length; n > 0; n >>= 1) h.AppendData((n & 1) != 0 ? b : pw);
                a = h.GetHashAndReset();
            }
            var p = Sequence(pw, pw.Length);
            var s = Sequence(saltBytes, 16 + a[0]);
            var c = a;
            using (var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA512))
            {
                for (var i = 0; i < rounds; i++)
                {
                    h.AppendData((i & 1) != 0 ? p : c);
                    if (i % 3 != 0) h.AppendData(s);
                    if (i % 7 != 0) h.AppendData(p);
                    h.AppendData((i & 1) != 0 ? c : p);
                    c = h.GetHashAndReset();
                }
            }
            Array.Clear(p);
            var prefix = rounds == DefaultRounds ? "$6$" : $"$6$rounds={rounds}$";
            return prefix + salt + "$" + Encode(c);
        }
        finally { Array.Clear(pw); }
    }

    private static void AppendRepeated(IncrementalHash h, byte[] block, int length)
    {
        for (; length > 64; length -= 64) h.AppendData(block);
        h.AppendData(block, 0, length);
    }

    /// <summary>The digest of <paramref name="input"/> repeated <paramref name="times"/> times, cut to the input's length (P and S of the algorithm).</summary>
    private static byte[] Sequence(byte[] input, int times)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        for (var i = 0; i < times; i++) h.AppendData(input);
        var d = h.GetHashAndReset();
        var r = new byte[input.Length];
        for (var i = 0; i < r.Length; i++) r[i] = d[i % 64];
        return r;
    }

    private static readonly int[] Order =
    [
        0, 21, 42, 22, 43, 1, 44, 2, 23, 3, 24, 45, 25, 46, 4, 47, 5, 26, 6, 27, 48, 28, 49, 7, 50, 8, 29, 9, 30, 51, 31, 52, 10,
        53, 11, 32, 12, 33, 54, 34, 55, 13, 56, 14, 35, 15, 36, 57, 37, 58, 16, 59, 17, 38, 18, 39, 60, 40, 61, 19, 62, 20, 41,
    ];

    private static string Encode(byte[] c)
    {
        var sb = new StringBuilder(86);
        for (var i = 0; i < Order.Length; i += 3)
        {
            var w = (c[Order[i]] << 16) | (c[Order[i + 1]] << 8) | c[Order[i + 2]];
            for (var k = 0; k < 4; k++) { sb.Append(Itoa64[w & 63]); w >>= 6; }
        }
        var last = c[63];
        sb.Append(Itoa64[last & 63]).Append(Itoa64[last >> 6]);
        return sb.ToString();
    }
}
