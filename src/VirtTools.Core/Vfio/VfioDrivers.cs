using VirtTools.Host;

namespace VirtTools.Vfio;

/// <summary>Names of the pass-through drivers and the modprobe rules that can keep them from loading.</summary>
public static class VfioDrivers
{
    public const string Default = "vfio-pci";

    /// <summary>vfio-pci and its vendor variants (mlx5_vfio_pci, pds_vfio_pci, xe-vfio-pci, ...).</summary>
    public static bool IsVfio(string? driver) =>
        driver is not null && (driver is "vfio-pci" or "vfio_pci" ||
                               driver.EndsWith("_vfio_pci", StringComparison.Ordinal) ||
                               driver.EndsWith("-vfio-pci", StringComparison.Ordinal));

    /// <summary>Drivers that hold a device for a guest: vfio variants and Xen's pciback.</summary>
    public static bool IsPassthrough(string? driver) => IsVfio(driver) || driver is "pciback" or "xen-pciback";

    /// <summary>The module that registers <paramref name="driver"/>; modprobe accepts '-' and '_' alike.</summary>
    public static string ModuleOf(string driver) => driver switch
    {
        "pciback" => "xen_pciback",
        _ => driver.Replace('-', '_'),
    };

    public static bool IsValidName(string driver) =>
        driver.Length is > 0 and < 64 && driver.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    private static readonly string[] ModprobeDirs = { "/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d", "/usr/lib/modprobe.d", "/lib/modprobe.d" };

    /// <summary>A modprobe.d line that concerns a module: "blacklist" (stops alias autoload only) or "install" to a no-op.</summary>
    public sealed record ModprobeRule(string File, int Line, string Text, bool Disables);

    /// <summary>
    /// `blacklist M` lines, and `install M /bin/false` (or /bin/true, which "loads" nothing): the forms
    /// distributions and guides use to keep a module out.
    /// </summary>
    public static IReadOnlyList<ModprobeRule> FindRules(IHostFileSystem fs, string module)
    {
        var want = module.Replace('-', '_');
        var rules = new List<ModprobeRule>();
        foreach (var dir in ModprobeDirs)
        {
            foreach (var name in fs.List(dir).Where(n => n.EndsWith(".conf", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                string text;
                try { text = fs.ReadAllText($"{dir}/{name}"); }
                catch (HostIOException) { continue; }
                var lines = text.Split('\n');
                for (var i = 0; i < lines.Length; i++)
                {
                    var f = lines[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                    if (f.Length < 2 || f[1].Replace('-', '_') != want) continue;
                    if (f[0] == "blacklist")
                        rules.Add(new ModprobeRule($"{dir}/{name}", i + 1, lines[i].Trim(), false));
                    else if (f[0] == "install" && f.Length >= 3 && HostPath.Name(f[2]) is "false" or "true")
                        rules.Add(new ModprobeRule($"{dir}/{name}", i + 1, lines[i].Trim(), true));
                }
            }
        }
        return rules;
    }
}
