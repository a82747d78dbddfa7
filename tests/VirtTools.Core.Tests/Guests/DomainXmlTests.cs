using System.Diagnostics;
using System.Xml.Linq;
using VirtTools.Guests;
using VirtTools.Libvirt;
using VirtTools.Tests.Libvirt;

namespace VirtTools.Tests.Guests;

public class DomainXmlTests
{
    internal static string DataDir => Path.Combine(AppContext.BaseDirectory, "Guests", "testdata", "virt-install");

    public static TheoryData<string> Cases()
    {
        var d = new TheoryData<string>();
        foreach (var k in VirtInstallCases.All.Keys) d.Add(k);
        return d;
    }

    [Fact]
    public void Every_recorded_case_has_a_request_and_every_request_a_recording()
    {
        var recorded = File.ReadAllLines(Path.Combine(DataDir, "cases.txt"))
            .Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split('|')[0]).OrderBy(x => x);
        Assert.Equal(recorded, VirtInstallCases.All.Keys.OrderBy(x => x));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Xml_equals_virt_install_element_by_element(string name)
    {
        var ours = XmlComparison.Flatten(DomainXmlBuilder.Build(VirtInstallCases.All[name]));
        var theirs = XmlComparison.Flatten(XmlComparison.WithoutKnownBugs(XDocument.Load(Path.Combine(DataDir, name + ".xml")), name));
        AssertSameLines(theirs, ours);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Xml_passes_libvirts_rng_schema(string name)
    {
        var (ok, output) = XmlValidator.Validate(DomainXmlBuilder.BuildString(VirtInstallCases.All[name]));
        Assert.True(ok, output);
    }

    [Fact]
    public void Known_virt_install_bugs_refused_by_the_schema_are_still_in_its_output()
    {
        foreach (var (c, path, by, why) in XmlComparison.KnownVirtInstallBugs.Where(b => b.RefusedBy == XmlComparison.RefusedBy.Schema))
        {
            var doc = XDocument.Load(Path.Combine(DataDir, c + ".xml"));
            Assert.NotEmpty(XmlComparison.Select(doc, path));
            var (ok, output) = XmlValidator.Validate(doc.ToString());
            Assert.False(ok, $"{c}: expected the RNG to refuse it ({why})");
            var (okFixed, outFixed) = XmlValidator.Validate(XmlComparison.WithoutKnownBugs(doc, c).ToString());
            Assert.True(okFixed, outFixed);
        }
    }

    /// <summary>The one live comparison: runs virt-install itself when it is installed.</summary>
    [Fact]
    public void Live_virt_install_still_writes_what_was_recorded()
    {
        if (!File.Exists("/usr/bin/virt-install")) return; // the recorded comparison above still ran
        var outDir = Path.Combine(Path.GetTempPath(), "vt-virt-install-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(outDir);
        try
        {
            var psi = new ProcessStartInfo("bash", [Path.Combine(DataDir, "record.sh"), outDir]) { RedirectStandardError = true, RedirectStandardOutput = true };
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, err);
            foreach (var name in VirtInstallCases.All.Keys)
            {
                var live = XDocument.Load(Path.Combine(outDir, name + ".xml"));
                var ours = XmlComparison.Flatten(DomainXmlBuilder.Build(VirtInstallCases.All[name]));
                AssertSameLines(XmlComparison.Flatten(XmlComparison.WithoutKnownBugs(live, name)), ours);
            }
        }
        finally { Directory.Delete(outDir, true); }
    }

    [Theory]
    [InlineData(0, "a")]
    [InlineData(25, "z")]
    [InlineData(26, "aa")]
    [InlineData(27, "ab")]
    [InlineData(701, "zz")]
    [InlineData(702, "aaa")]
    public void Disk_targets_follow_libvirts_naming(int index, string suffix) => Assert.Equal(suffix, DomainXmlBuilder.DiskSuffix(index));

    [Fact]
    public void Several_disks_and_a_cdrom_get_their_own_targets()
    {
        var x = DomainXmlBuilder.Build(new GuestSpec
        {
            Name = "many", Disks = [new("/a.qcow2", "qcow2"), new("/b.img", "raw")], CdromPath = "/c.iso",
        });
        var targets = x.Descendants("target").Where(t => t.Parent!.Name == "disk").Select(t => (string)t.Attribute("dev")! + ":" + (string)t.Attribute("bus")!);
        Assert.Equal(new[] { "vda:virtio", "vdb:virtio", "sda:sata" }, targets);
        Assert.Equal("raw", (string)x.Descendants("disk").ElementAt(1).Element("driver")!.Attribute("type")!);
    }

    [Theory]
    [InlineData(GuestHypervisor.KVM, GuestMode.PV, GuestFirmware.Bios, false, "ModeNeedsXen")]
    [InlineData(GuestHypervisor.QEMU, GuestMode.PVHVM, GuestFirmware.Bios, false, "ModeNeedsXen")]
    [InlineData(GuestHypervisor.Xen, GuestMode.PV, GuestFirmware.Uefi, false, "PvHasNoFirmware")]
    [InlineData(GuestHypervisor.KVM, GuestMode.FV, GuestFirmware.Bios, true, "SecureBootNeedsUefi")]
    [InlineData(GuestHypervisor.Xen, GuestMode.PVHVM, GuestFirmware.Uefi, true, "SecureBootNotOnXen")]
    [InlineData(GuestHypervisor.Xen, GuestMode.PV, GuestFirmware.Bios, false, "PvNeedsBoot")]
    public void Impossible_combinations_are_refused(GuestHypervisor h, GuestMode m, GuestFirmware f, bool secure, string id)
    {
        var e = Assert.Throws<VirtToolsException>(() => DomainXmlBuilder.Build(new GuestSpec
            { Name = "x", Hypervisor = h, Mode = m, Firmware = f, SecureBoot = secure }));
        Assert.Equal(id, e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
    }

    [Theory]
    [InlineData(32L << 20)]
    [InlineData((2L << 30) + 1)]
    public void Memory_below_64MiB_or_not_whole_MiB_is_refused(long bytes) =>
        Assert.Equal("InvalidGuestMemory", Assert.Throws<VirtToolsException>(() =>
            DomainXmlBuilder.Build(new GuestSpec { Name = "x", MemoryBytes = bytes })).ErrorId);

    [Fact]
    public void Names_with_xml_metacharacters_are_escaped_not_concatenated()
    {
        var s = DomainXmlBuilder.BuildString(new GuestSpec { Name = "a<b>&c", KernelArguments = null });
        Assert.Equal("a<b>&c", XDocument.Parse(s).Root!.Element("name")!.Value);
    }

    private static void AssertSameLines(List<string> expected, List<string> actual)
    {
        var n = Math.Max(expected.Count, actual.Count);
        for (var i = 0; i < n; i++)
        {
            var e = i < expected.Count ? expected[i] : "(nothing)";
            var a = i < actual.Count ? actual[i] : "(nothing)";
            Assert.True(e == a, $"element {i}: virt-install wrote\n  {e}\nVirtTools wrote\n  {a}");
        }
    }
}

/// <summary>Every builder case also defines on libvirt's test driver with VIR_DOMAIN_DEFINE_VALIDATE.</summary>
[Collection(TestDriverCollection.Name)]
public class DomainXmlDefineTests
{
    [Theory]
    [MemberData(nameof(DomainXmlTests.Cases), MemberType = typeof(DomainXmlTests))]
    public void Libvirt_accepts_the_xml_with_validation(string name)
    {
        using var c = LibvirtConnector.Open(LibvirtBindingTests.TestUri);
        using var d = c.DefineDomain(DomainXmlBuilder.BuildString(VirtInstallCases.All[name]), DomainDefineFlags.Validate);
        d.Undefine();
    }

    [Fact]
    public void Known_virt_install_bugs_refused_at_define_are_still_in_its_output()
    {
        using var c = LibvirtConnector.Open(LibvirtBindingTests.TestUri);
        foreach (var (name, path, _, why) in XmlComparison.KnownVirtInstallBugs.Where(b => b.RefusedBy == XmlComparison.RefusedBy.Define))
        {
            var doc = XDocument.Load(Path.Combine(DomainXmlTests.DataDir, name + ".xml"));
            Assert.NotEmpty(XmlComparison.Select(doc, path));
            Assert.Throws<LibvirtException>(() => c.DefineDomain(doc.ToString(), DomainDefineFlags.Validate));
            using var fixedDomain = c.DefineDomain(XmlComparison.WithoutKnownBugs(doc, name).ToString(), DomainDefineFlags.Validate);
            fixedDomain.Undefine();
        }
    }
}

/// <summary>virt-xml-validate (libvirt-clients + libxml2-utils): libvirt's own RNG schemas.</summary>
public static class XmlValidator
{
    public static (bool Ok, string Output) Validate(string xml)
    {
        Assert.True(File.Exists("/usr/bin/virt-xml-validate") && File.Exists("/usr/bin/xmllint"),
            "virt-xml-validate needs Debian's libvirt-clients and libxml2-utils (.ci/run installs them)");
        var file = Path.Combine(Path.GetTempPath(), "vt-domain-" + Guid.NewGuid().ToString("N") + ".xml");
        File.WriteAllText(file, xml);
        try
        {
            var psi = new ProcessStartInfo("virt-xml-validate", [file, "domain"]) { RedirectStandardError = true, RedirectStandardOutput = true };
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode == 0, output);
        }
        finally { File.Delete(file); }
    }
}
