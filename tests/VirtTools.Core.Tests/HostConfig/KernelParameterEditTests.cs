using System.Text;
using VirtTools.HostConfig;

namespace VirtTools.Tests.HostConfig;

public class KernelParameterEditTests
{
    private const string Grub = "/etc/default/grub";

    /// <summary>The edit changed exactly <paramref name="before"/> into <paramref name="after"/> at one place, and no other byte.</summary>
    private static void AssertOnlyChange(string fixture, string file, string written, string before, string after)
    {
        var original = Encoding.UTF8.GetBytes(HostConfigTestRoot.Original(fixture, file));
        var now = Encoding.UTF8.GetBytes(written);
        var b = Encoding.UTF8.GetBytes(before);
        var a = Encoding.UTF8.GetBytes(after);
        var at = IndexOf(original, b);
        Assert.True(at >= 0, $"'{before}' is not in the fixture");
        Assert.Equal(-1, IndexOf(original, b, at + 1));
        var expected = original[..at].Concat(a).Concat(original[(at + b.Length)..]).ToArray();
        Assert.Equal(expected, now);
    }

    private static int IndexOf(byte[] hay, byte[] needle, int from = 0)
    {
        for (var i = from; i <= hay.Length - needle.Length; i++)
            if (hay.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        return -1;
    }

    [Theory]
    [InlineData("sles15sp6", Grub, "console=ttyS0,115200n8\"", "console=ttyS0,115200n8 intel_iommu=on\"")]
    [InlineData("debian12", Grub, "acpi_osi=\"Windows 2015\"'", "acpi_osi=\"Windows 2015\" intel_iommu=on'")]
    [InlineData("slemicro55", Grub, "intel_iommu=off", "intel_iommu=on")]
    [InlineData("slemicro6", "/etc/kernel/cmdline", "amd_iommu=on\n", "amd_iommu=on intel_iommu=on\n")]
    public void Set_changes_one_value_and_keeps_every_other_byte(string fixture, string file, string before, string after)
    {
        using var t = new HostConfigTestRoot(fixture);
        var set = new KernelParameterConfig(t.Host).PlanSet("intel_iommu", "on");
        var change = Assert.Single(set.Files);
        Assert.Equal(file, change.Path);
        AssertOnlyChange(fixture, file, change.After!, before, after);
        // Planning writes nothing.
        Assert.Equal(HostConfigTestRoot.Original(fixture, file), t.Read(file));
    }

    [Fact]
    public void Apply_keeps_a_backup_writes_the_file_and_runs_the_regeneration()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        t.Runner.Script("grub2-mkconfig -o /boot/grub2/grub.cfg", "", 0, "Generating grub configuration file ...\ndone\n");
        var original = t.Read(Grub);
        var set = new KernelParameterConfig(t.Host).PlanSet("intel_iommu", "on");
        set.Apply(t.Host);
        Assert.Equal(original, t.Read(Grub + ".virttools-backup"));
        Assert.Contains("console=ttyS0,115200n8 intel_iommu=on\"", t.Read(Grub));
        Assert.Equal(new[] { "grub2-mkconfig -o /boot/grub2/grub.cfg" }, t.Runner.Calls);
        Assert.Empty(Directory.GetFiles(t.Path_("/etc/default"), ".grub.vt-*"));

        // A second change keeps the first backup: it holds the file as it was before VirtTools touched it.
        new KernelParameterConfig(t.Host).PlanSet("iommu", "pt").Apply(t.Host);
        Assert.Equal(original, t.Read(Grub + ".virttools-backup"));
        Assert.Contains("intel_iommu=on iommu=pt\"", t.Read(Grub));
    }

    [Fact]
    public void A_failing_regeneration_restores_the_file_and_reports_its_output()
    {
        using var t = new HostConfigTestRoot("debian12");
        t.Runner.Script("update-grub", "", 1, "/usr/sbin/grub-mkconfig: 283: /etc/default/grub: Syntax error: Unterminated quoted string");
        var original = t.Bytes(Grub);
        var set = new KernelParameterConfig(t.Host).PlanSet("intel_iommu", "on");
        var e = Assert.Throws<VirtToolsException>(() => set.Apply(t.Host));
        Assert.Equal("RegenerationFailed", e.ErrorId);
        Assert.Contains("Unterminated quoted string", e.Message);
        Assert.Contains("exit 1", e.Message);
        Assert.Equal(original, t.Bytes(Grub));
    }

    [Fact]
    public void A_missing_regeneration_program_restores_the_file()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        var original = t.Bytes(Grub);
        var e = Assert.Throws<VirtToolsException>(() => new KernelParameterConfig(t.Host).PlanSet("intel_iommu", "on").Apply(t.Host));
        Assert.Equal("RegenerationFailed", e.ErrorId);
        Assert.Equal(FailureKind.NotInstalled, e.Kind);
        Assert.Equal(original, t.Bytes(Grub));
    }

    [Theory]
    [InlineData("sles15sp6", "quiet", null)]
    [InlineData("sles15sp6", "security", "apparmor")]
    [InlineData("debian12", "pcie-aspm", "off")]
    public void Already_configured_is_a_no_op(string fixture, string name, string? value)
    {
        using var t = new HostConfigTestRoot(fixture);
        var set = new KernelParameterConfig(t.Host).PlanSet(name, value);
        Assert.False(set.HasChanges);
        Assert.Contains(set.Notes, n => n.Contains("already configured"));
    }

    [Fact]
    public void Remove_takes_out_the_argument_and_one_space()
    {
        using var t = new HostConfigTestRoot("debian12");
        var set = new KernelParameterConfig(t.Host).PlanRemove("pcie_aspm");
        AssertOnlyChange("debian12", Grub, set.Files[0].After!, "'quiet pcie_aspm=off acpi", "'quiet acpi");
    }

    [Fact]
    public void Remove_finds_the_parameter_in_GRUB_CMDLINE_LINUX_too_and_only_the_given_value()
    {
        using var t = new HostConfigTestRoot("slemicro55");
        var set = new KernelParameterConfig(t.Host).PlanRemove("ignition.platform.id");
        AssertOnlyChange("slemicro55", Grub, set.Files[0].After!, "GRUB_CMDLINE_LINUX=\"ignition.platform.id=metal\"", "GRUB_CMDLINE_LINUX=\"\"");
        var none = new KernelParameterConfig(t.Host).PlanRemove("console", "ttyS1");
        Assert.False(none.HasChanges);
        var one = new KernelParameterConfig(t.Host).PlanRemove("console", "tty0");
        AssertOnlyChange("slemicro55", Grub, one.Files[0].After!, "115200 console=tty0 security", "115200 security");
    }

    [Fact]
    public void Set_on_a_repeated_parameter_keeps_the_last_in_place_and_drops_the_others()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        var set = new KernelParameterConfig(t.Host).PlanSet("crashkernel", "512M");
        AssertOnlyChange("sles15sp6", Grub, set.Files[0].After!, "apparmor crashkernel=282M,high crashkernel=72M,low console", "apparmor crashkernel=512M console");
        Assert.Contains(set.Notes, n => n.Contains("occurred 2 times"));
    }

    [Fact]
    public void An_unquoted_value_gets_double_quotes_when_it_needs_a_space()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        t.Write(Grub, "GRUB_TIMEOUT=8\nGRUB_CMDLINE_LINUX_DEFAULT=quiet # short\n");
        var set = new KernelParameterConfig(t.Host).PlanSet("intel_iommu", "on");
        Assert.Equal("GRUB_TIMEOUT=8\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on\" # short\n", set.Files[0].After);
    }

    [Fact]
    public void A_missing_default_variable_is_appended_as_a_new_line()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        t.Write(Grub, "GRUB_TIMEOUT=8\nGRUB_CMDLINE_LINUX=\"quiet\"");
        var set = new KernelParameterConfig(t.Host).PlanSet("intel_iommu", "on");
        Assert.Equal("GRUB_TIMEOUT=8\nGRUB_CMDLINE_LINUX=\"quiet\"\nGRUB_CMDLINE_LINUX_DEFAULT=\"intel_iommu=on\"\n", set.Files[0].After);
    }

    [Theory]
    [InlineData("GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT quiet\"\n", "expands")]
    [InlineData("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"' splash'\n", "several quoted parts")]
    [InlineData("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet \\\"x\\\"\"\n", "backslash")]
    [InlineData("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\n splash\"\n", "next line")]
    [InlineData("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"; GRUB_TIMEOUT=3\n", "more than one command")]
    public void Syntax_that_cannot_be_edited_safely_is_refused(string content, string why)
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        t.Write(Grub, content);
        var e = Assert.Throws<VirtToolsException>(() => new KernelParameterConfig(t.Host).PlanSet("intel_iommu", "on"));
        Assert.Equal("UnsupportedBootConfigSyntax", e.ErrorId);
        Assert.Contains(why, e.Message);
        Assert.Equal(content, t.Read(Grub));
    }

    [Theory]
    [InlineData("intel_iommu", "on off", "InvalidKernelParameterValue")]
    [InlineData("intel_iommu", "\"on\"", "InvalidKernelParameterValue")]
    [InlineData("intel_iommu", "o'n", "InvalidKernelParameterValue")]
    [InlineData("intel_iommu", "$(reboot)", "InvalidKernelParameterValue")]
    [InlineData("intel_iommu", "", "InvalidKernelParameterValue")]
    [InlineData("intel_iommu=on", null, "InvalidKernelParameter")]
    [InlineData("two words", null, "InvalidKernelParameter")]
    [InlineData("-x", null, "InvalidKernelParameter")]
    public void Bad_input_is_refused_before_anything_is_read(string name, string? value, string id)
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        var e = Assert.Throws<VirtToolsException>(() => new KernelParameterConfig(t.Host).PlanSet(name, value));
        Assert.Equal(id, e.ErrorId);
        Assert.Equal(FailureKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public void The_diff_shows_the_changed_line_only()
    {
        using var t = new HostConfigTestRoot("debian12");
        var set = new KernelParameterConfig(t.Host).PlanSet("iommu", "pt");
        var text = set.Describe();
        Assert.Contains("--- /etc/default/grub\n+++ /etc/default/grub\n@@ -45 +45 @@\n-GRUB_CMDLINE_LINUX_DEFAULT='quiet pcie_aspm=off acpi_osi=\"Windows 2015\"'\t# vendor BIOS workaround, see RT#4411\n+GRUB_CMDLINE_LINUX_DEFAULT='quiet pcie_aspm=off acpi_osi=\"Windows 2015\" iommu=pt'\t# vendor BIOS workaround, see RT#4411\n", text);
        Assert.Contains("run: update-grub", text);
        Assert.Contains("backup: /etc/default/grub.virttools-backup", text);
    }

    [Fact]
    public void Programs_are_not_run_for_a_captured_root_with_the_system_runner()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        var host = new VirtTools.Host.HostContext(t.Host.Files, t.Host.Modules, new VirtTools.Host.SystemProcessRunner());
        var e = Assert.Throws<VirtToolsException>(() => new KernelParameterConfig(host).PlanSet("intel_iommu", "on").Apply(host));
        Assert.Equal("RegenerationNotPossible", e.ErrorId);
        Assert.Equal(HostConfigTestRoot.Original("sles15sp6", Grub), t.Read(Grub));
    }
}

public class IommuEnablerTests
{
    [Fact]
    public void Intel_gets_intel_iommu_on_with_the_default_on_note()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        var set = IommuEnabler.Plan(t.Host, passThrough: false);
        Assert.Contains("intel_iommu=on\"", set.Files[0].After);
        Assert.DoesNotContain("iommu=pt", set.Files[0].After);
        Assert.Contains(set.Notes, n => n.Contains("6.8"));
    }

    [Fact]
    public void Intel_off_becomes_on_in_place_and_pass_through_is_added_on_request()
    {
        using var t = new HostConfigTestRoot("slemicro55");
        var set = IommuEnabler.Plan(t.Host, passThrough: true);
        Assert.Contains("quiet intel_iommu=on net.ifnames=0 iommu=pt'", set.Files[0].After);
        Assert.Equal("transactional-update --continue grub.cfg", Assert.Single(set.Commands).ToString());
        Assert.Contains("new snapshot", BootLoader.Detect(t.Host.Files).RebootNote);
    }

    [Fact]
    public void Intel_with_other_options_keeps_them()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        t.Write("/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=igfx_off\"\n");
        Assert.Equal("GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on,igfx_off\"\n", IommuEnabler.Plan(t.Host, false).Files[0].After);
    }

    [Fact]
    public void Amd_needs_nothing_and_an_existing_amd_iommu_on_is_reported()
    {
        using var t = new HostConfigTestRoot("slemicro6");
        var set = IommuEnabler.Plan(t.Host, passThrough: false);
        Assert.False(set.HasChanges);
        Assert.Contains(set.Warnings, w => w.Contains("amd_iommu=on is not a valid value"));
        Assert.Contains(set.Notes, n => n.Contains("AMD-Vi is on by default"));
    }

    [Fact]
    public void Amd_off_is_removed_and_pass_through_goes_to_the_sdboot_file()
    {
        using var t = new HostConfigTestRoot("slemicro6");
        t.Write("/etc/kernel/cmdline", "root=UUID=x quiet amd_iommu=off\n");
        var set = IommuEnabler.Plan(t.Host, passThrough: true);
        Assert.Equal("root=UUID=x quiet iommu=pt\n", set.Files[0].After);
    }

    [Fact]
    public void Already_enabled_is_a_no_op()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        t.Write("/etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on iommu=pt\"\n");
        Assert.False(IommuEnabler.Plan(t.Host, passThrough: true).HasChanges);
    }
}
