using System.Globalization;

namespace VirtTools.Host;

/// <summary>The Linux capabilities a host change needs (bit numbers of linux/capability.h).</summary>
public enum LinuxCapability
{
    /// <summary>Write files owned by root: sysfs attributes, /etc, /boot.</summary>
    CAP_DAC_OVERRIDE = 1,
    /// <summary>Configure network devices: `ip link set ... vf`.</summary>
    CAP_NET_ADMIN = 12,
    /// <summary>Load and unload kernel modules.</summary>
    CAP_SYS_MODULE = 16,
    /// <summary>Read PCI config space past its first 64 bytes, among much else.</summary>
    CAP_SYS_ADMIN = 21,
}

/// <summary>
/// Who this process is on the host, as the kernel says in /proc/self/status (read through the host
/// seam, so a test can give a simulated host an ordinary user): the effective uid and the effective
/// capability set. A change is refused up front when a capability it needs is missing, instead of
/// failing half-way on EACCES after some files were written.
/// </summary>
public sealed record HostPrivileges(int? EffectiveUid, ulong? EffectiveCapabilities, string? UserName)
{
    public const string StatusPath = "/proc/self/status";
    public const string RequiresRootId = "RequiresRoot";

    /// <summary>What /proc/self/status says; unknown fields (an unreadable or foreign file) stay null.</summary>
    public static HostPrivileges Read(IHostFileSystem files)
    {
        string status;
        try { status = files.ReadAllText(StatusPath); }
        catch (HostIOException) { return new HostPrivileges(null, null, null); }
        int? uid = null;
        ulong? caps = null;
        foreach (var line in status.Split('\n'))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                // Uid: real effective saved filesystem
                var f = line[4..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (f.Length >= 2 && int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out var u)) uid = u;
            }
            else if (line.StartsWith("CapEff:", StringComparison.Ordinal)
                     && ulong.TryParse(line[7..].Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var c))
                caps = c;
        }
        return new HostPrivileges(uid, caps, uid is int id ? UserNameOf(files, id) : null);
    }

    /// <summary>The needed capabilities this process lacks; empty when it has them all or cannot tell.</summary>
    public IReadOnlyList<LinuxCapability> Missing(IEnumerable<LinuxCapability> needed) =>
        EffectiveCapabilities is not ulong caps ? Array.Empty<LinuxCapability>()
            : needed.Distinct().Where(c => (caps & (1UL << (int)c)) == 0).ToArray();

    /// <summary>True when the kernel shows this process only the first 64 bytes of PCI config space.</summary>
    public bool ConfigSpaceTruncated => Missing(new[] { LinuxCapability.CAP_SYS_ADMIN }).Count > 0;

    /// <summary>"uid 1000 (alice)", or "an unknown user".</summary>
    public string Describe() => EffectiveUid is int uid
        ? $"uid {uid.ToString(CultureInfo.InvariantCulture)}{(UserName is { } n ? $" ({n})" : "")}"
        : "an unknown user";

    /// <summary>
    /// RequiresRoot (PermissionDenied) when <paramref name="command"/> needs a capability this process
    /// lacks; null when it may go on. <paramref name="change"/> says what it changes ("binds PCI devices
    /// to drivers in /sys/bus/pci").
    /// </summary>
    public VirtToolsException? Refusal(string command, string change, IReadOnlyCollection<LinuxCapability> needed, object? target = null)
    {
        var missing = Missing(needed);
        if (missing.Count == 0) return null;
        var caps = string.Join(", ", needed.Distinct());
        return new VirtToolsException(RequiresRootId, FailureKind.PermissionDenied,
            $"{command} {change}, which needs root: this process runs as {Describe()} without {string.Join(", ", missing)}. Nothing was changed.",
            target ?? command,
            $"Run it as root: 'sudo virttools -Command \"{command} ...\"' (or from 'sudo pwsh'); a service account needs root, or the capabilities {caps} (setpriv/systemd AmbientCapabilities). -WhatIf shows the plan without root.");
    }

    private static string? UserNameOf(IHostFileSystem files, int uid)
    {
        try
        {
            var id = uid.ToString(CultureInfo.InvariantCulture);
            foreach (var line in files.ReadAllText("/etc/passwd").Split('\n'))
            {
                var f = line.Split(':');
                if (f.Length > 2 && f[2] == id) return f[0];
            }
        }
        catch (HostIOException) { }
        return null;
    }
}
