using System.Diagnostics;
using System.Text.RegularExpressions;
using VirtTools.Host;
using VirtTools.Pci;
using VirtTools.PciIds;
using VirtTools.Testing;
using Xunit.Abstractions;

namespace VirtTools.Tests;

/// <summary>
/// Field-by-field agreement with `lspci -D -nn -k` reading the same tree (-O sysfs.path) with the
/// same pci.ids (-i), hwdb off so both name from that one file.
/// </summary>
public partial class LspciAgreementTests
{
    private const string IdsPath = "/usr/share/misc/pci.ids";
    private readonly ITestOutputHelper _out;

    public LspciAgreementTests(ITestOutputHelper output) => _out = output;

    public static TheoryData<string> RecordedTrees => new()
    {
        "hwloc/32intel64-2p8co2t+8ve.tar.bz2",
        "hwloc/32em64t-2n8c+dax+nvme+mic+dimms.tar.bz2",
        "hwloc/40intel64-2g2n4c+pcilocality.tar.bz2",
        "hwloc/2pa-pcidomain32bits.tar.bz2",
        "ghw/linux-amd64-415ee03b8c4d1c4f07ae2e9d8b3d3d6d.tar.gz",
        "ghw/linux-amd64-8581cf3a529e5d8b97ea876eade2f60d.tar.gz",
        "openshift-node-tuning-operator/bare-metal__master.internal.sysinfo.tgz",
        "openshift-node-tuning-operator/bare-metal__worker1.internal.sysinfo.tgz",
        "openshift-node-tuning-operator/bare-metal__worker2.internal.sysinfo.tgz",
        "openshift-node-tuning-operator/sno__sno.sysinfo.tgz",
        "prometheus-procfs/fixtures.ttar",
    };

    [Theory]
    [MemberData(nameof(RecordedTrees))]
    public void Agrees_with_lspci_on_recorded_trees(string fixture)
    {
        var root = fixture.EndsWith(".ttar", StringComparison.Ordinal)
            ? Path.Combine(Ttar.ExtractFixture(fixture), "fixtures")
            : Fixtures.Root(fixture);
        Compare(root, minDevices: 3);
    }

    [Fact]
    public void Agrees_with_lspci_on_synthetic_trees()
    {
        using var t = new TempTree();
        var b = t.Builder;
        b.Pci(new PciSpec { Address = "0000:00:01.0", Vendor = "8086", Device = "1901", Class = "060400", Driver = "pcieport" });
        b.Pci(new PciSpec { Address = "0000:01:00.0", Parent = "0000:00:01.0", Vendor = "8086", Device = "1592", SubsystemDevice = "0002", Driver = "ice", Revision = "02" });
        b.Sriov("0000:01:00.0", 128, 4, "1889", vfDriver: "iavf", offset: 8, stride: 1);
        b.Pci(new PciSpec { Address = "0000:02:00.0", Vendor = "10de", Device = "2204", Class = "030000", SubsystemVendor = "1462", SubsystemDevice = "3880", Revision = "a1", Driver = "vfio-pci" });
        b.Pci(new PciSpec { Address = "0000:02:00.1", Vendor = "10de", Device = "1aef", Class = "040300", SubsystemVendor = "1462", SubsystemDevice = "3880", Revision = "a1" });
        b.Pci(new PciSpec { Address = "0000:03:00.0", Vendor = "abcd", Device = "1234", Class = "ee0000", SubsystemVendor = "abcd", SubsystemDevice = "1111" });
        b.Pci(new PciSpec { Address = "0000:04:00.0", Vendor = "144d", Device = "a808", Class = "010802", SubsystemVendor = "144d", SubsystemDevice = "a801", Driver = "nvme" });
        b.Pci(new PciSpec { Address = "0000:05:00.0", Vendor = "1af4", Device = "1041", Class = "028800", SubsystemVendor = "1af4", SubsystemDevice = "1100", Revision = "01" });
        Compare(t.Root, minDevices: 10);
    }

    [Fact]
    public void Looks_for_pci_ids_where_this_lspci_does()
    {
        var psi = new ProcessStartInfo("lspci", "--help") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string help;
        try
        {
            using var p = Process.Start(psi)!;
            help = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            _out.WriteLine("SKIPPED: lspci (pciutils) is not installed.");
            return;
        }
        // "-i <file>  Use specified ID database instead of /usr/share/misc/pci.ids.gz"
        var m = Regex.Match(help, @"instead of (\S+?)(\.gz)?\s*$", RegexOptions.Multiline);
        Assert.True(m.Success, "lspci --help no longer names its default ID database");
        Assert.Contains(m.Groups[1].Value, PciIdsDatabase.StandardPaths);
    }

    private void Compare(string root, int minDevices)
    {
        if (!File.Exists(IdsPath))
        {
            _out.WriteLine($"SKIPPED: no {IdsPath} on this machine, so lspci and the reader cannot share a pci.ids.");
            return;
        }
        if (!RunLspci(root, out var text))
        {
            _out.WriteLine("SKIPPED: lspci (pciutils) is not installed.");
            return;
        }
        var expected = Parse(text);
        var ids = PciIdsDatabase.Parse(File.ReadAllText(IdsPath), IdsPath);
        var ours = new PciDeviceReader(new DiskFileSystem(root), ids).ReadAll().ToDictionary(d => d.Address);
        Assert.True(expected.Count >= minDevices, $"lspci listed only {expected.Count} devices under {root}");
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));

        var diffs = new List<string>();
        void Check(string address, string field, string? lspci, string? mine)
        {
            if (!string.Equals(lspci, mine, StringComparison.Ordinal)) diffs.Add($"{address} {field}: lspci '{lspci}' vs ours '{mine}'");
        }
        foreach (var (address, l) in expected)
        {
            var d = ours[address];
            Check(address, "class code", l.ClassCode, d.ClassCode?[..4]);
            Check(address, "class name", l.ClassName, AsLspci(d.ClassName, "Class"));
            Check(address, "vendor:device", l.Ids, $"{d.VendorId}:{d.DeviceId}");
            Check(address, "names", l.Names, $"{AsLspci(d.VendorName, "Vendor")} {AsLspci(d.DeviceName, "Device")}");
            Check(address, "rev", l.Revision, d.Revision is null or "00" ? null : d.Revision);
            Check(address, "subsystem ids", l.SubsystemIds, l.SubsystemIds is null ? null : $"{d.SubsystemVendorId}:{d.SubsystemDeviceId}");
            Check(address, "subsystem name", l.SubsystemName, l.SubsystemName is null ? null : AsLspciPair(d.SubsystemName));
            if (l.SubsystemIds is null && d.SubsystemName is not null)
                diffs.Add($"{address} subsystem: lspci shows none, ours '{d.SubsystemName}'");
            // A capture without /sys/bus/pci/drivers leaves the driver link dangling: lspci resolves the
            // link and shows nothing, the reader still names the driver from the link text.
            if (Directory.Exists(Path.Combine(root, "sys/bus/pci/devices", address, "driver"))) Check(address, "driver", l.Driver, d.Driver);
            else if (l.Driver is not null) diffs.Add($"{address} driver: lspci '{l.Driver}' from a dangling link?");
            // lspci takes modules from the machine it runs on (libkmod), not from the tree: compare when it has them.
            if (l.Modules is not null) Check(address, "modules", l.Modules, string.Join(", ", d.KernelModules));
        }
        _out.WriteLine($"{expected.Count} devices compared under {root}");
        Assert.True(diffs.Count == 0, string.Join("\n", diffs));
    }

    /// <summary>With -nn lspci puts unknown ids in brackets, leaving just the word ("Device [abcd:1234]").</summary>
    private static string? AsLspci(string? name, string word) =>
        name is not null && name.StartsWith(word + " ", StringComparison.Ordinal) && FallbackId().IsMatch(name[(word.Length + 1)..]) ? word : name;

    private static string? AsLspciPair(string? subsystem) =>
        subsystem is null ? null : AsLspci(TrailingDeviceId().Replace(subsystem, " Device"), "Device");

    private static bool RunLspci(string root, out string output)
    {
        output = "";
        var psi = new ProcessStartInfo("lspci") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-D", "-nn", "-k", "-i", IdsPath, "-O", $"sysfs.path={root}/sys/bus/pci", "-O", "hwdb.disable=1" })
            psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            _ = err.Result;
            return true;
        }
        catch (System.ComponentModel.Win32Exception) { return false; }
    }

    private sealed record Line(string ClassName, string ClassCode, string Names, string Ids, string? Revision)
    {
        public string? SubsystemName { get; set; }
        public string? SubsystemIds { get; set; }
        public string? Driver { get; set; }
        public string? Modules { get; set; }
    }

    private static Dictionary<string, Line> Parse(string text)
    {
        var map = new Dictionary<string, Line>(StringComparer.Ordinal);
        Line? current = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            if (line[0] != '\t')
            {
                var m = DeviceLine().Match(line);
                Assert.True(m.Success, $"unexpected lspci line: {line}");
                current = new Line(m.Groups["cn"].Value, m.Groups["cc"].Value, m.Groups["names"].Value,
                    m.Groups["ids"].Value, m.Groups["rev"].Success ? m.Groups["rev"].Value : null);
                map[m.Groups["addr"].Value] = current;
                continue;
            }
            if (current is null) continue;
            var body = line.TrimStart('\t');
            if (body.StartsWith("Subsystem: ", StringComparison.Ordinal))
            {
                var m = Bracketed().Match(body[11..]);
                current.SubsystemName = m.Groups["name"].Value;
                current.SubsystemIds = m.Groups["ids"].Value;
            }
            else if (body.StartsWith("Kernel driver in use: ", StringComparison.Ordinal)) current.Driver = body[22..];
            else if (body.StartsWith("Kernel modules: ", StringComparison.Ordinal)) current.Modules = body[16..];
        }
        return map;
    }

    [GeneratedRegex(@"^(?<addr>[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) (?<cn>.*) \[(?<cc>[0-9a-f]{4})\]: (?<names>.*) \[(?<ids>[0-9a-f]{4}:[0-9a-f]{4})\](?: \(rev (?<rev>[0-9a-f]{2})\))?$")]
    private static partial Regex DeviceLine();

    [GeneratedRegex(@"^(?<name>.*) \[(?<ids>[0-9a-f]{4}:[0-9a-f]{4})\]$")]
    private static partial Regex Bracketed();

    [GeneratedRegex(@"^[0-9a-f]{4}$")]
    private static partial Regex FallbackId();

    [GeneratedRegex(@" Device [0-9a-f]{4}$")]
    private static partial Regex TrailingDeviceId();
}
