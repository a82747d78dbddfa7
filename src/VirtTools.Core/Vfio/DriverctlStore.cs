using VirtTools.Host;
using VirtTools.Pci;

namespace VirtTools.Vfio;

/// <summary>
/// driverctl's persistent overrides: /etc/driverctl.d/pci-&lt;address&gt; holding the driver name.
/// At boot, driverctl's udev rule starts driverctl@pci-&lt;address&gt;.service, which applies it.
/// </summary>
public static class DriverctlStore
{
    public const string Dir = "/etc/driverctl.d";

    public static string PathOf(PciAddress a) => $"{Dir}/pci-{a}";

    /// <summary>Where a file VirtTools replaced with -Force is kept; a dot file, so driverctl's globs skip it.</summary>
    public static string BackupPathOf(PciAddress a) => $"{Dir}/.pci-{a}.virttools-backup";

    private const string NotInstalledPrefix = "driverctl is not installed";

    /// <summary>Where driverctl's udev rule, its unit and its program live on SUSE, Red Hat and Debian systems.</summary>
    public static readonly string[] InstalledEvidence =
    {
        "/usr/lib/udev/rules.d/89-driverctl.rules", "/lib/udev/rules.d/89-driverctl.rules", "/etc/udev/rules.d/89-driverctl.rules",
        "/usr/lib/systemd/system/driverctl@.service", "/lib/systemd/system/driverctl@.service",
        "/usr/sbin/driverctl", "/usr/bin/driverctl", "/sbin/driverctl",
    };

    /// <summary>
    /// The file alone does nothing: driverctl's udev rule starts driverctl@.service, which applies it.
    /// The rule is what matters at boot, so its presence (or the unit's, or the program's) counts.
    /// </summary>
    public static bool IsInstalled(IHostFileSystem fs) => InstalledEvidence.Any(fs.Exists);

    /// <summary>The driver named in the file, or null when there is none.</summary>
    public static string? Read(IHostFileSystem fs, PciAddress a)
    {
        var raw = ReadRaw(fs, PathOf(a));
        if (raw is null) return null;
        var t = raw.Trim();
        return t.Length == 0 ? null : t;
    }

    internal static string? ReadRaw(IHostFileSystem fs, string path)
    {
        if (!fs.FileExists(path)) return null;
        try { return fs.ReadAllText(path); }
        catch (HostIOException) { return null; }
    }

    /// <summary>Adds the write of the file, refusing to replace an admin's different override without -Force.</summary>
    internal static void PlanWrite(IHostFileSystem fs, VfioPlan plan, PciAddress a, string driver, bool force)
    {
        var path = PathOf(a);
        var existing = ReadRaw(fs, path);
        var current = existing?.Trim();
        if (current == driver)
        {
            plan.Notes.Add($"{path} already names {driver}; the override is persistent.");
            return;
        }
        if (existing is not null)
        {
            if (!force)
                throw new VirtToolsException("PersistentOverrideConflict", FailureKind.ResourceExists,
                    $"{path} already exists and names '{current}', not {driver}. VirtTools does not replace a persistent override it did not write.",
                    a.ToString(), $"Check why {path} names '{current}'; remove it (driverctl unset-override {a}) or use -Force, which keeps a copy in {BackupPathOf(a)}.");
            plan.Warnings.Add($"-Force replaces {path} (it named '{current}'); the old file is kept as {BackupPathOf(a)}.");
            plan.Steps.Add(new VfioStep(VfioStepKind.BackupPersistentOverride, a, $"copy {path} ('{current}') to {BackupPathOf(a)}", BackupPathOf(a), existing));
        }
        if (!IsInstalled(fs) && !plan.Warnings.Any(w => w.StartsWith(NotInstalledPrefix, StringComparison.Ordinal)))
            plan.Warnings.Add($"{NotInstalledPrefix} under this root (no 89-driverctl.rules, driverctl@.service or driverctl program), so nothing applies {path} at boot. " +
                              "Install it: zypper install driverctl (SLES/openSUSE), dnf install driverctl (Fedora/RHEL) or apt install driverctl (Debian/Ubuntu).");
        plan.Steps.Add(new VfioStep(VfioStepKind.WritePersistentOverride, a,
            $"write '{driver}' to {path} (driverctl persistent override, applied at boot)", path, driver + "\n"));
    }

    /// <summary>Adds the removal of the file when it names a pass-through driver; another driver needs -Force.</summary>
    internal static void PlanRemove(IHostFileSystem fs, VfioPlan plan, PciAddress a, bool force)
    {
        var path = PathOf(a);
        var existing = ReadRaw(fs, path);
        if (existing is null)
        {
            plan.Notes.Add($"{path} does not exist; nothing persistent to remove.");
            return;
        }
        var current = existing.Trim();
        if (!VfioDrivers.IsPassthrough(current))
        {
            if (!force)
                throw new VirtToolsException("PersistentOverrideConflict", FailureKind.ResourceExists,
                    $"{path} names '{current}', not a pass-through driver, so it is not a VirtTools override.",
                    a.ToString(), $"Leave it, remove it with driverctl unset-override {a}, or use -Force (a copy is kept in {BackupPathOf(a)}).");
            plan.Warnings.Add($"-Force removes {path} although it names '{current}'; the old file is kept as {BackupPathOf(a)}.");
            plan.Steps.Add(new VfioStep(VfioStepKind.BackupPersistentOverride, a, $"copy {path} ('{current}') to {BackupPathOf(a)}", BackupPathOf(a), existing));
        }
        plan.Steps.Add(new VfioStep(VfioStepKind.RemovePersistentOverride, a, $"delete {path} (driverctl persistent override '{current}')", path));
    }
}
