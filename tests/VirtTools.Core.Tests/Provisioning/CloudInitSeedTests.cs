using System.Text;
using VirtTools.Provisioning;

namespace VirtTools.Tests.Provisioning;

public sealed class CloudInitSeedTests
{
    // A real ed25519 public key line (ssh-keygen -t ed25519), its private half thrown away.
    internal const string Key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEyGHrQ3ohJt7FbrYyT7h0ukjVnJTlnhcgygRwq3Qm9w alice@example";

    private static string Text(IReadOnlyList<KeyValuePair<string, byte[]>> files, string name) =>
        Encoding.UTF8.GetString(files.Single(f => f.Key == name).Value);

    [Fact]
    public void Generated_user_data_has_the_user_the_key_the_hash_and_never_the_password()
    {
        var hash = Sha512Crypt.Hash("pw-in-clear"u8, "abcdefgh");
        var files = CloudInitSeed.Files("web1", new CloudInitRequest { UserName = "alice", SshPublicKeys = [Key], PasswordHash = hash, Hostname = "web1.lab" });
        Assert.Equal(["user-data", "meta-data"], files.Select(f => f.Key));
        var ud = Text(files, "user-data");
        Assert.StartsWith("#cloud-config\n", ud);
        Assert.Contains("hostname: \"web1.lab\"\n", ud);
        Assert.Contains("  - name: \"alice\"\n", ud);
        Assert.Contains($"    passwd: \"{hash}\"\n", ud);
        Assert.Contains("    lock_passwd: false\n", ud);
        Assert.Contains($"    ssh_authorized_keys:\n      - \"{Key}\"\n", ud);
        Assert.DoesNotContain("pw-in-clear", ud);
        var md = Text(files, "meta-data");
        Assert.Matches("^instance-id: \"web1-[0-9a-f]{8}\"\nlocal-hostname: \"web1.lab\"\n$", md);
    }

    [Fact]
    public void Keys_without_a_user_go_to_the_image_default_user_and_given_files_are_kept_byte_for_byte()
    {
        var ud = Text(CloudInitSeed.Files("g", new CloudInitRequest { SshPublicKeys = [Key] }), "user-data");
        Assert.Equal($"#cloud-config\nssh_authorized_keys:\n  - \"{Key}\"\n", ud);
        byte[] own = [0x23, 0x21, 0x2f, 0x62, 0x69, 0x6e, 0x2f, 0x73, 0x68, 0x0a, 0xff];
        var files = CloudInitSeed.Files("g", new CloudInitRequest { UserData = own, MetaData = [1, 2], NetworkConfig = [3] });
        Assert.Equal(["user-data", "meta-data", "network-config"], files.Select(f => f.Key));
        Assert.Equal(own, files[0].Value);
        Assert.Equal([1, 2], files[1].Value);
        Assert.Equal([3], files[2].Value);
    }

    [Theory]
    [InlineData("CloudInitUserDataConflict")]
    [InlineData("CloudInitMetaDataConflict")]
    [InlineData("CloudInitPasswordNeedsUser")]
    [InlineData("InvalidUserName")]
    [InlineData("InvalidHostname")]
    [InlineData("InvalidSshPublicKey")]
    public void Bad_requests_are_refused_with_their_id(string id)
    {
        var r = id switch
        {
            "CloudInitUserDataConflict" => new CloudInitRequest { UserData = [1], UserName = "bob" },
            "CloudInitMetaDataConflict" => new CloudInitRequest { MetaData = [1], Hostname = "h" },
            "CloudInitPasswordNeedsUser" => new CloudInitRequest { PasswordHash = "$6$x$y" },
            "InvalidUserName" => new CloudInitRequest { UserName = "Bob Smith" },
            "InvalidHostname" => new CloudInitRequest { Hostname = "bad_host!" },
            _ => new CloudInitRequest { SshPublicKeys = ["ssh-ed25519 not*base64"] },
        };
        var e = Assert.Throws<VirtToolsException>(() => CloudInitSeed.Files("g", r));
        Assert.Equal(id, e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
        Assert.Contains("Nothing was created", e.Message);
    }

    [Theory]
    [InlineData(Key, true)]
    [InlineData("/home/alice/.ssh/id_ed25519.pub", false)]
    [InlineData("~/.ssh/id_rsa.pub", false)]
    public void A_key_is_told_from_a_key_file_path(string text, bool isKey) => Assert.Equal(isKey, CloudInitSeed.LooksLikeKey(text));
}
