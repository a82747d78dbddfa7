using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using VirtTools.Host;
using VirtTools.Pci;

namespace VirtTools.Sriov;

/// <summary>
/// VirtTools' own udev rules file for persistent VF counts. The kernel keeps no count across a
/// reboot or a driver reload; a rule on the PF's "bind" event writes sriov_numvfs as soon as its
/// driver is there (the only moment the write can work). One line per PF; lines VirtTools did not
/// write (an admin's comments or rules) stay as they are, and no other rules file is touched.
/// </summary>
public static partial class SriovRules
{
    public const string FilePath = "/etc/udev/rules.d/70-virttools-sriov.rules";

    private const string Header =
        "# Persistent SR-IOV VF counts, written by VirtTools (Set-SriovVfCount -Persist).\n" +
        "# One line per physical function, applied when its driver binds (at boot and after a reload).\n" +
        "# Change them with Set-SriovVfCount -Persist; -Count 0 -Persist removes a line.\n";

    [GeneratedRegex("""^ACTION=="bind", SUBSYSTEM=="pci", KERNEL=="(?<pf>[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])", (?:ATTR\{sriov_drivers_autoprobe\}="(?<ap>[01])", )?ATTR\{sriov_numvfs\}="(?<n>\d{1,5})"\s*$""")]
    private static partial Regex RuleLine();

    public sealed record Rule(PciAddress PhysicalFunction, int NumVfs, bool? AutoProbe);

    /// <summary>The line for one PF. Autoprobe goes first: udev applies ATTR assignments in order.</summary>
    public static string Line(PciAddress pf, int numVfs, bool? autoProbe) =>
        $"ACTION==\"bind\", SUBSYSTEM==\"pci\", KERNEL==\"{pf}\", " +
        (autoProbe is bool ap ? $"ATTR{{sriov_drivers_autoprobe}}=\"{(ap ? 1 : 0)}\", " : "") +
        string.Create(CultureInfo.InvariantCulture, $"ATTR{{sriov_numvfs}}=\"{numVfs}\"");

    public static Rule? Parse(string line)
    {
        var m = RuleLine().Match(line);
        if (!m.Success || !PciAddress.TryParse(m.Groups["pf"].Value, out var pf)) return null;
        return new Rule(pf, int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture),
            m.Groups["ap"].Success ? m.Groups["ap"].Value == "1" : null);
    }

    /// <summary>The file's text, or null when it does not exist.</summary>
    public static string? ReadText(IHostFileSystem fs)
    {
        if (!fs.FileExists(FilePath)) return null;
        return fs.ReadAllText(FilePath);
    }

    /// <summary>Every rule VirtTools wrote, by PF (the last line wins, as udev would apply it last).</summary>
    public static IReadOnlyDictionary<PciAddress, Rule> ReadAll(IHostFileSystem fs)
    {
        var map = new Dictionary<PciAddress, Rule>();
        string? text;
        try { text = ReadText(fs); }
        catch (HostIOException) { return map; }
        foreach (var line in (text ?? "").Split('\n'))
            if (Parse(line) is Rule r) map[r.PhysicalFunction] = r;
        return map;
    }

    /// <summary>
    /// The file with <paramref name="pf"/>'s line set to <paramref name="numVfs"/> (null removes it),
    /// or null when the result has nothing but VirtTools' header (the file can go).
    /// </summary>
    public static string? Edit(string? text, PciAddress pf, int? numVfs, bool? autoProbe)
    {
        var lines = (text ?? Header).Split('\n').ToList();
        if (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
        var replaced = false;
        for (var i = 0; i < lines.Count; i++)
        {
            if (Parse(lines[i]) is not Rule r || r.PhysicalFunction != pf) continue;
            if (numVfs is int n && !replaced)
            {
                lines[i] = Line(pf, n, autoProbe);
                replaced = true;
            }
            else lines.RemoveAt(i--);
        }
        if (numVfs is int add && !replaced) lines.Add(Line(pf, add, autoProbe));
        var headerLines = Header.TrimEnd('\n').Split('\n');
        if (lines.All(l => l.Trim().Length == 0 || headerLines.Contains(l))) return null;
        var sb = new StringBuilder();
        foreach (var l in lines) sb.Append(l).Append('\n');
        return sb.ToString();
    }

    /// <summary>Lines of other rules files that also set sriov_numvfs for this PF (an admin's own persistence).</summary>
    public static IEnumerable<string> OtherRules(IHostFileSystem fs, PciAddress pf)
    {
        foreach (var dir in new[] { "/etc/udev/rules.d", "/run/udev/rules.d", "/usr/lib/udev/rules.d", "/lib/udev/rules.d" })
        {
            IReadOnlyList<string> names;
            try { names = fs.List(dir); }
            catch (HostIOException) { continue; }
            foreach (var n in names.Where(n => n.EndsWith(".rules", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
            {
                var path = $"{dir}/{n}";
                if (path == FilePath) continue;
                string text;
                try { text = fs.ReadAllText(path); }
                catch (HostIOException) { continue; }
                var lines = text.Split('\n');
                for (var i = 0; i < lines.Length; i++)
                    if (lines[i].Contains("sriov_numvfs", StringComparison.Ordinal) && lines[i].Contains(pf.ToString(), StringComparison.OrdinalIgnoreCase))
                        yield return $"{path} line {i + 1}";
            }
        }
    }
}
