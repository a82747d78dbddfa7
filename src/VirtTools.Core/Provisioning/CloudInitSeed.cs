using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace VirtTools.Provisioning;

/// <summary>
/// The files of a NoCloud seed: user-data (a #cloud-config made from the parameters, or the user's
/// own file byte for byte), meta-data (instance-id and local-hostname) and network-config (only when
/// given: without it cloud-init configures DHCP on the first NIC).
/// </summary>
public static partial class CloudInitSeed
{
    public const string UserDataFile = "user-data", MetaDataFile = "meta-data", NetworkConfigFile = "network-config";

    private static readonly JsonSerializerOptions Quote = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Checks the request against itself and returns the seed's files in the order they go on the ISO.</summary>
    public static IReadOnlyList<KeyValuePair<string, byte[]>> Files(string guestName, CloudInitRequest r)
    {
        Validate(r);
        var files = new List<KeyValuePair<string, byte[]>>
        {
            new(UserDataFile, r.UserData ?? Encoding.UTF8.GetBytes(UserData(r))),
            new(MetaDataFile, r.MetaData ?? Encoding.UTF8.GetBytes(MetaData(guestName, r.Hostname))),
        };
        if (r.NetworkConfig is { } n) files.Add(new(NetworkConfigFile, n));
        return files;
    }

    public static void Validate(CloudInitRequest r)
    {
        var generated = r.SshPublicKeys.Count > 0 || r.UserName is not null || r.PasswordHash is not null;
        if (r.UserData is not null && generated)
            Bad("CloudInitUserDataConflict", "-UserData is the whole user-data file: it cannot be combined with -SshPublicKey, -UserName or -Password.",
                null, "Put the users and keys into your user-data file, or leave out -UserData.");
        if (r.MetaData is not null && r.Hostname is not null)
            Bad("CloudInitMetaDataConflict", "-MetaData is the whole meta-data file: it cannot be combined with -Hostname.", r.Hostname,
                "Put local-hostname into your meta-data file, or leave out -MetaData.");
        if (r.PasswordHash is not null && r.UserName is null)
            Bad("CloudInitPasswordNeedsUser", "-Password needs -UserName: the password is set for that user.", null, "Add -UserName.");
        if (r.UserName is { } u && !UserNamePattern().IsMatch(u))
            Bad("InvalidUserName", $"'{InputText.Shown(u)}' is not a Linux user name.", u,
                "Use lower-case letters, digits, '_' and '-', starting with a letter or '_', at most 32 characters.");
        if (r.Hostname is { } h && !HostnamePattern().IsMatch(h))
            Bad("InvalidHostname", $"'{InputText.Shown(h)}' is not a host name.", h,
                "Use letters, digits and '-' in dot-separated labels of at most 63 characters.");
        foreach (var k in r.SshPublicKeys)
            if (WhyNotAKey(k) is { } why)
                Bad("InvalidSshPublicKey", $"'{InputText.Shown(Shorten(k))}' is not an SSH public key: {why}.", k,
                    "Give the key's one line (ssh-ed25519 AAAA... comment) or the path of a .pub file.");
    }

    /// <summary>Null when the line is an OpenSSH public key line ("type base64 [comment]").</summary>
    public static string? WhyNotAKey(string line)
    {
        var parts = line.Trim().Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2) return "it needs a key type and the base64 key";
        if (!KeyTypePattern().IsMatch(parts[0])) return $"'{parts[0]}' is not a key type";
        Span<byte> buf = new byte[parts[1].Length];
        if (!Convert.TryFromBase64String(parts[1], buf, out _)) return "the key is not base64";
        if (line.Contains('\n') || line.Contains('\r')) return "it spans more than one line";
        return null;
    }

    /// <summary>True when the text is a key rather than the path of a key file.</summary>
    public static bool LooksLikeKey(string text) => KeyTypePattern().IsMatch(text.Split(' ', 2)[0]);

    public static string UserData(CloudInitRequest r)
    {
        var sb = new StringBuilder("#cloud-config\n");
        if (r.Hostname is { } h) sb.Append("hostname: ").Append(Q(h)).Append('\n');
        if (r.UserName is { } u)
        {
            sb.Append("users:\n  - name: ").Append(Q(u)).Append('\n')
              .Append("    sudo: \"ALL=(ALL) NOPASSWD:ALL\"\n")
              .Append("    shell: /bin/bash\n");
            if (r.PasswordHash is { } p) sb.Append("    lock_passwd: false\n    passwd: ").Append(Q(p)).Append('\n');
            Keys(sb, r.SshPublicKeys, "    ");
            if (r.PasswordHash is not null) sb.Append("ssh_pwauth: true\n");
        }
        else Keys(sb, r.SshPublicKeys, "");
        return sb.ToString();

        static void Keys(StringBuilder sb, IReadOnlyList<string> keys, string indent)
        {
            if (keys.Count == 0) return;
            sb.Append(indent).Append("ssh_authorized_keys:\n");
            foreach (var k in keys) sb.Append(indent).Append("  - ").Append(Q(k.Trim())).Append('\n');
        }
    }

    /// <summary>A new instance-id per seed: cloud-init runs its once-per-instance modules again only when it changes.</summary>
    public static string MetaData(string guestName, string? hostname) =>
        $"instance-id: {Q(guestName + "-" + Guid.NewGuid().ToString("n")[..8])}\nlocal-hostname: {Q(hostname ?? guestName)}\n";

    /// <summary>A YAML double-quoted scalar: JSON's string syntax is a subset of it.</summary>
    private static string Q(string s) => JsonSerializer.Serialize(s, Quote);

    private static string Shorten(string s) => s.Length > 40 ? s[..40] + "..." : s;

    private static void Bad(string id, string message, object? target, string action) =>
        throw new VirtToolsException(id, FailureKind.InvalidArgument, message + " Nothing was created.", target, action);

    [GeneratedRegex(@"\A[a-z_][a-z0-9_-]{0,31}\z")]
    private static partial Regex UserNamePattern();

    [GeneratedRegex(@"\A(?=.{1,253}\z)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\z")]
    private static partial Regex HostnamePattern();

    [GeneratedRegex(@"\A(ssh-(rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\z")]
    private static partial Regex KeyTypePattern();
}
