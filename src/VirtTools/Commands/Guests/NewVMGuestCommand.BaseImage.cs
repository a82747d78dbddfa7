using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using VirtTools.Provisioning;

namespace VirtTools.Commands;

public sealed partial class NewVMGuestCommand
{
    /// <summary>An image (absolute path or POOL/VOLUME) the first disk is a qcow2 overlay of; -NewDiskSizeBytes grows it.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string? BaseImage { get; set; }

    /// <summary>A full copy of -BaseImage (a volume) instead of an overlay.</summary>
    [Parameter]
    public SwitchParameter CopyBaseImage { get; set; }

    /// <summary>Write a cloud-init NoCloud seed ISO into -StoragePool and attach it as a CD (implied by any of the cloud-init parameters).</summary>
    [Parameter]
    public SwitchParameter CloudInit { get; set; }

    /// <summary>Public keys for the user: key lines, or paths of .pub files.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? SshPublicKey { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? UserName { get; set; }

    /// <summary>Stored in user-data as a SHA-512 crypt hash, never in clear.</summary>
    [Parameter]
    public SecureString? Password { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Hostname { get; set; }

    /// <summary>A whole user-data file, written to the seed as it is.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? UserData { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MetaData { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? NetworkConfig { get; set; }

    /// <summary>An absolute path or POOL/VOLUME as given; a relative path (./x, ~/x, a bare file name) resolved as PowerShell resolves it.</summary>
    private string? BaseImageSpec() =>
        BaseImage is null || BaseImage.StartsWith('/') || BaseImage.Contains('/') && !BaseImage.StartsWith('.') && !BaseImage.StartsWith('~') ? BaseImage
            : SessionState.Path.GetUnresolvedProviderPathFromPSPath(BaseImage);

    /// <summary>The seed request, or null when no cloud-init parameter was given; reads the files named.</summary>
    private CloudInitRequest? CloudInitRequest()
    {
        var any = CloudInit || SshPublicKey is not null || UserName is not null || Password is not null || Hostname is not null
                  || UserData is not null || MetaData is not null || NetworkConfig is not null;
        if (!any) return null;
        var keys = new List<string>();
        foreach (var k in SshPublicKey ?? Array.Empty<string>())
        {
            if (Provisioning.CloudInitSeed.LooksLikeKey(k)) { keys.Add(k.Trim()); continue; }
            var text = Encoding.UTF8.GetString(ReadUserFile(k, "-SshPublicKey"));
            var lines = text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
            if (lines.Count == 0)
                throw new VirtToolsException("InvalidSshPublicKey", FailureKind.InvalidArgument, $"-SshPublicKey file {k} holds no key. Nothing was created.", k,
                    "Give a .pub file (ssh-keygen writes one beside the private key) or the key's line.");
            keys.AddRange(lines);
        }
        return new CloudInitRequest
        {
            SshPublicKeys = keys,
            UserName = UserName,
            PasswordHash = Password is null ? null : HashPassword(Password),
            Hostname = Hostname,
            UserData = UserData is null ? null : ReadUserFile(UserData, "-UserData"),
            MetaData = MetaData is null ? null : ReadUserFile(MetaData, "-MetaData"),
            NetworkConfig = NetworkConfig is null ? null : ReadUserFile(NetworkConfig, "-NetworkConfig"),
        };
    }

    /// <summary>A file named by a parameter, on the machine running PowerShell (not the libvirt host), as Get-Content would find it.</summary>
    private byte[] ReadUserFile(string path, string parameter)
    {
        var full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
        try { return File.ReadAllBytes(full); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new VirtToolsException(e is FileNotFoundException or DirectoryNotFoundException ? "CloudInitFileNotFound" : "CloudInitFileNotReadable",
                e is UnauthorizedAccessException ? FailureKind.PermissionDenied : FailureKind.ObjectNotFound,
                $"{parameter} {full} cannot be read: {e.Message} Nothing was created.", path, $"Give the path of a readable file for {parameter}.", e);
        }
    }

    private static string HashPassword(SecureString password)
    {
        var p = Marshal.SecureStringToGlobalAllocUnicode(password);
        var chars = new char[password.Length];
        byte[]? bytes = null;
        try
        {
            Marshal.Copy(p, chars, 0, chars.Length);
            bytes = Encoding.UTF8.GetBytes(chars);
            return Sha512Crypt.Hash(bytes);
        }
        finally
        {
            Marshal.ZeroFreeGlobalAllocUnicode(p);
            Array.Clear(chars);
            if (bytes is not null) Array.Clear(bytes);
        }
    }
}
