namespace VirtTools.Provisioning;

/// <summary>
/// What New-VMGuest -CloudInit was given. Files are already read (the cmdlet resolves PowerShell
/// paths); the password arrives hashed, never in clear.
/// </summary>
public sealed class CloudInitRequest
{
    public IReadOnlyList<string> SshPublicKeys { get; init; } = Array.Empty<string>();
    public string? UserName { get; init; }
    /// <summary>A SHA-512 crypt hash (<see cref="Sha512Crypt"/>).</summary>
    public string? PasswordHash { get; init; }
    public string? Hostname { get; init; }
    public byte[]? UserData { get; init; }
    public byte[]? MetaData { get; init; }
    public byte[]? NetworkConfig { get; init; }
}
