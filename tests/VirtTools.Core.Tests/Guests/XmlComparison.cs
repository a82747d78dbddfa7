using System.Globalization;
using System.Xml.Linq;

namespace VirtTools.Tests.Guests;

/// <summary>
/// Flattens domain XML into one line per element (path, sorted attributes, text), in document
/// order, so two documents compare element by element and a difference names its element.
/// </summary>
public static class XmlComparison
{
    /// <summary>
    /// What virt-install writes that VirtTools leaves out on purpose. Not bugs: uuid and mac come from
    /// virt-install's test hook ("predictable") and libvirt generates both at define time; the
    /// libosinfo metadata names the OS, which New-VMGuest is not told.
    /// </summary>
    public static readonly string[] IgnoredElements = ["uuid", "metadata", "mac"];

    /// <summary>
    /// virt-install 4.1 bugs, with the case they show in. Each is taken out of virt-install's output
    /// before the comparison, and a test proves the bug is still there (so the list stays honest).
    /// </summary>
    public static readonly (string Case, string Path, RefusedBy RefusedBy, string Why)[] KnownVirtInstallBugs =
    [
        ("xen-pv-pygrub", "/domain/os/boot", RefusedBy.Schema,
         "<boot dev='hd'/> in a Xen PV <os>: libvirt 9.0's RNG (osxen) has no <boot>, so 'virsh define --validate' refuses the XML"),
        ("xen-pvhvm-uefi-bridge-cdrom", "/domain/os/loader", RefusedBy.Define,
         "<loader>hvmloader</loader> next to <os firmware='efi'>: libvirt 9.0 refuses it at define " +
         "('loader attribute type cannot be specified when firmware autoselection is enabled')"),
    ];

    public enum RefusedBy { Schema, Define }

    public static List<string> Flatten(XDocument doc)
    {
        var lines = new List<string>();
        Walk(doc.Root!, "", lines);
        return lines;
    }

    private static void Walk(XElement e, string parent, List<string> lines)
    {
        var name = e.Name.LocalName;
        if (IgnoredElements.Contains(name)) return;
        var path = parent + "/" + name;
        var attrs = e.Attributes().Where(a => !a.IsNamespaceDeclaration)
            .OrderBy(a => a.Name.LocalName, StringComparer.Ordinal)
            .Select(a => $"{a.Name.LocalName}={Value(name, a)}");
        var text = e.HasElements ? "" : e.Value.Trim();
        lines.Add($"{path} [{string.Join(" ", attrs)}] {text}".TrimEnd());
        foreach (var c in e.Elements()) Walk(c, path, lines);
    }

    /// <summary>PCI address numbers: virt-install writes decimal, libvirt (and we) hex; compare the numbers.</summary>
    private static string Value(string element, XAttribute a)
    {
        if (element != "address" || a.Name.LocalName is not ("domain" or "bus" or "slot" or "function")) return a.Value;
        var v = a.Value;
        var n = v.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.Parse(v[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : long.Parse(v, CultureInfo.InvariantCulture);
        return n.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>virt-install's output with its known bugs for <paramref name="caseName"/> taken out.</summary>
    public static XDocument WithoutKnownBugs(XDocument virtInstall, string caseName)
    {
        var copy = new XDocument(virtInstall);
        foreach (var (c, path, _, _) in KnownVirtInstallBugs.Where(b => b.Case == caseName))
            foreach (var e in Select(copy, path).ToList()) e.Remove();
        return copy;
    }

    public static IEnumerable<XElement> Select(XDocument doc, string path)
    {
        var parts = path.Trim('/').Split('/');
        IEnumerable<XElement> cur = doc.Root!.Name.LocalName == parts[0] ? [doc.Root] : [];
        foreach (var p in parts.Skip(1)) cur = cur.Elements(p);
        return cur;
    }
}
