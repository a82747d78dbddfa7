using VirtTools.Host;

namespace VirtTools.HostConfig;

public enum BootLoaderKind
{
    Grub2,
    /// <summary>systemd-boot managed by SUSE's sdbootutil (/etc/kernel/cmdline).</summary>
    SystemdBoot,
}

/// <summary>
/// The boot loader this host really uses, read from its files (never assumed): GRUB2 through
/// /etc/default/grub, or systemd-boot with sdbootutil through /etc/kernel/cmdline; on a transactional
/// host (read-only root, transactional-update installed) the regeneration runs through transactional-update.
/// </summary>
public sealed class BootLoader
{
    public const string GrubDefaults = "/etc/default/grub";
    public const string KernelCmdline = "/etc/kernel/cmdline";
    public static readonly string[] TransactionalUpdatePaths = { "/usr/sbin/transactional-update", "/sbin/transactional-update" };
    public static readonly string[] SdbootutilPaths = { "/usr/bin/sdbootutil", "/usr/sbin/sdbootutil" };

    public required BootLoaderKind Kind { get; init; }
    public required OsRelease Os { get; init; }
    public required bool Transactional { get; init; }
    public required string ConfigFile { get; init; }
    /// <summary>The generated files the boot really reads (grub.cfg, loader entries): evidence that a regeneration ran.</summary>
    public required IReadOnlyList<string> GeneratedConfig { get; init; }
    /// <summary>What makes the boot use the edited file.</summary>
    public required IReadOnlyList<HostCommand> Regenerate { get; init; }

    public string Describe() =>
        $"{(Kind == BootLoaderKind.Grub2 ? "GRUB2" : "systemd-boot (sdbootutil)")} on {Os.Describe()}{(Transactional ? ", transactional" : "")}";

    /// <summary>What the next boot takes effect after.</summary>
    public string RebootNote => Transactional
        ? "The change takes effect after the reboot into the new snapshot that transactional-update created."
        : "The change takes effect at the next boot; /proc/cmdline shows it after the reboot.";

    public static BootLoader Detect(IHostFileSystem fs)
    {
        var os = OsRelease.Read(fs);
        var readOnlyRoot = RootIsReadOnly(fs);
        var tu = TransactionalUpdatePaths.FirstOrDefault(fs.FileExists);
        var sdbootutil = SdbootutilPaths.FirstOrDefault(fs.FileExists);
        var transactional = readOnlyRoot == true && tu is not null;
        var found = Found(fs, os, readOnlyRoot, tu, sdbootutil);
        if (readOnlyRoot == true && tu is null)
            throw NotSupported($"The root file system is mounted read-only and transactional-update is not installed ({found}).",
                "VirtTools changes a read-only root only through transactional-update; remount / read-write or edit the boot configuration in the image it is built from.");

        if (sdbootutil is not null && fs.FileExists(KernelCmdline))
        {
            var regen = new HostCommand("sdbootutil", new[] { "update-all-entries" }, "write the new options into every boot entry");
            return new BootLoader
            {
                Kind = BootLoaderKind.SystemdBoot,
                Os = os,
                Transactional = transactional,
                ConfigFile = KernelCmdline,
                GeneratedConfig = new[] { "/boot/efi/loader/entries", "/efi/loader/entries", "/boot/loader/entries" },
                Regenerate = new[] { transactional ? Through(regen) : regen },
            };
        }
        if (fs.FileExists(GrubDefaults))
        {
            HostCommand regen;
            string[] generated;
            if (os.IsSuse)
            {
                // SUSE uses one grub.cfg for BIOS and UEFI; the EFI stub only points to it.
                regen = transactional
                    ? new HostCommand("transactional-update", new[] { "--continue", "grub.cfg" }, "regenerate /boot/grub2/grub.cfg in a new snapshot")
                    : new HostCommand("grub2-mkconfig", new[] { "-o", "/boot/grub2/grub.cfg" }, "regenerate /boot/grub2/grub.cfg");
                generated = new[] { "/boot/grub2/grub.cfg" };
            }
            else if (os.IsDebian)
            {
                regen = new HostCommand("update-grub", Array.Empty<string>(), "regenerate /boot/grub/grub.cfg");
                generated = new[] { "/boot/grub/grub.cfg" };
            }
            else
                throw NotSupported($"{GrubDefaults} exists, but {os.Describe()} is neither SUSE nor Debian-family, so its regeneration command is not known ({found}).",
                    "Edit the kernel command line with the distribution's own tool (grubby on Fedora/RHEL).");
            if (transactional && !os.IsSuse)
                throw NotSupported($"The host is transactional but not SUSE ({found}).", "Edit the boot configuration with the distribution's tool.");
            return new BootLoader
            {
                Kind = BootLoaderKind.Grub2,
                Os = os,
                Transactional = transactional,
                ConfigFile = GrubDefaults,
                GeneratedConfig = generated,
                Regenerate = new[] { regen },
            };
        }
        throw NotSupported($"No supported boot loader configuration: {found}.",
            $"VirtTools edits {GrubDefaults} (GRUB2 on SUSE and Debian) and {KernelCmdline} with sdbootutil; edit this host's boot configuration by hand.");
    }

    private static HostCommand Through(HostCommand c) =>
        new("transactional-update", new[] { "--continue", "run", c.Program }.Concat(c.Arguments).ToArray(), c.Purpose + " in a new snapshot");

    private static VirtToolsException NotSupported(string message, string action) =>
        new("BootLoaderNotSupported", FailureKind.NotImplemented, message + " Nothing was written.", null, action);

    /// <summary>What the detection saw, for error messages.</summary>
    private static string Found(IHostFileSystem fs, OsRelease os, bool? ro, string? tu, string? sdbootutil)
    {
        var parts = new List<string> { $"distribution: {os.Describe()}{(os.File is null ? " (no os-release)" : "")}" };
        foreach (var p in new[] { GrubDefaults, KernelCmdline, "/boot/grub2/grub.cfg", "/boot/grub/grub.cfg", "/boot/loader/entries", "/boot/efi/loader/entries", "/etc/sysconfig/bootloader" })
            if (fs.Exists(p)) parts.Add(p);
        if (sdbootutil is not null) parts.Add(sdbootutil);
        if (tu is not null) parts.Add(tu);
        parts.Add(ro switch { true => "root mounted read-only", false => "root mounted read-write", null => "root mount unknown" });
        return string.Join(", ", parts);
    }

    /// <summary>From /proc/mounts: the last mount on "/" decides, as the kernel stacks them.</summary>
    public static bool? RootIsReadOnly(IHostFileSystem fs)
    {
        string text;
        try { text = fs.ReadAllText("/proc/mounts"); }
        catch (HostIOException) { return null; }
        bool? ro = null;
        foreach (var line in text.Split('\n'))
        {
            var f = line.Split(' ');
            if (f.Length >= 4 && f[1] == "/") ro = f[3].Split(',').Contains("ro");
        }
        return ro;
    }

    /// <summary>The places of this boot loader's kernel arguments, in the order the kernel sees them.</summary>
    public IReadOnlyList<CommandLineSource> ReadSources(IHostFileSystem fs)
    {
        string text;
        try { text = fs.ReadAllText(ConfigFile); }
        catch (HostIOException e)
        {
            throw new VirtToolsException("BootConfigUnreadable", FailureKind.ReadError, $"{ConfigFile}: {e.Message}", ConfigFile, "Run as root.", e);
        }
        return SourcesOf(text);
    }

    /// <summary>The sources in <paramref name="text"/>, the content of <see cref="ConfigFile"/>.</summary>
    public IReadOnlyList<CommandLineSource> SourcesOf(string text)
    {
        if (text.Contains('\uFFFD'))
            throw new VirtToolsException("UnsupportedBootConfigSyntax", FailureKind.InvalidData,
                $"{ConfigFile} is not valid UTF-8; VirtTools does not rewrite it, to keep every byte. Nothing was written.", ConfigFile,
                $"Edit {ConfigFile} by hand.");
        if (Kind == BootLoaderKind.SystemdBoot)
        {
            // kernel-install and sdbootutil read the whole file as arguments; a trailing newline is layout.
            var body = text.TrimEnd('\n', '\r');
            var multi = body.Contains('\n');
            return new[]
            {
                new CommandLineSource
                {
                    File = ConfigFile, FileText = text, Value = body,
                    Problem = multi ? "it has more than one line" : null,
                    Suffix = text[body.Length..],
                },
            };
        }
        var all = ShellAssignments.Parse(text);
        return new[] { "GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT" }.Select(v =>
        {
            var a = ShellAssignments.Effective(all, v);
            return new CommandLineSource
            {
                File = ConfigFile, Variable = v, FileText = text, Assignment = a,
                Value = a is null ? "" : a.Value, Problem = a?.Problem, Missing = a is null,
            };
        }).ToArray();
    }
}
