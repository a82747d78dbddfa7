using VirtTools.HostConfig;

namespace VirtTools.Tests.HostConfig;

public class BootLoaderDetectionTests
{
    [Theory]
    [InlineData("sles15sp6", BootLoaderKind.Grub2, false, "/etc/default/grub", "grub2-mkconfig -o /boot/grub2/grub.cfg")]
    [InlineData("debian12", BootLoaderKind.Grub2, false, "/etc/default/grub", "update-grub")]
    [InlineData("slemicro55", BootLoaderKind.Grub2, true, "/etc/default/grub", "transactional-update --continue grub.cfg")]
    [InlineData("slemicro6", BootLoaderKind.SystemdBoot, true, "/etc/kernel/cmdline", "transactional-update --continue run sdbootutil update-all-entries")]
    public void Detects_the_boot_loader_from_the_host(string fixture, BootLoaderKind kind, bool transactional, string file, string command)
    {
        using var t = new HostConfigTestRoot(fixture);
        var bl = BootLoader.Detect(t.Host.Files);
        Assert.Equal(kind, bl.Kind);
        Assert.Equal(transactional, bl.Transactional);
        Assert.Equal(file, bl.ConfigFile);
        Assert.Equal(command, Assert.Single(bl.Regenerate).ToString());
    }

    [Fact]
    public void Systemd_boot_without_a_read_only_root_runs_sdbootutil_directly()
    {
        using var t = new HostConfigTestRoot("slemicro6");
        t.Write("/proc/mounts", "/dev/vda3 / btrfs rw,relatime 0 0\n");
        Assert.Equal("sdbootutil update-all-entries", BootLoader.Detect(t.Host.Files).Regenerate[0].ToString());
    }

    /// <summary>Detection on the fixture (or an empty root) after the writes: the BootLoaderNotSupported refusal.</summary>
    private static VirtToolsException Refused(string? fixture, params (string HostPath, string Content)[] writes)
    {
        using var t = new HostConfigTestRoot(fixture);
        foreach (var (path, content) in writes) t.Write(path, content);
        var e = Assert.Throws<VirtToolsException>(() => BootLoader.Detect(t.Host.Files));
        Assert.Equal("BootLoaderNotSupported", e.ErrorId);
        return e;
    }

    [Fact]
    public void Grub_on_a_distribution_without_a_known_regeneration_command_is_an_error_naming_it()
    {
        var e = Refused("sles15sp6",
            ("/etc/os-release", "NAME=\"Fedora Linux\"\nID=fedora\nPRETTY_NAME=\"Fedora Linux 40 (Server Edition)\"\n"),
            ("/boot/loader/entries/x.conf", "title Fedora\n"));
        Assert.Contains("Fedora Linux 40", e.Message);
        Assert.Contains("/boot/loader/entries", e.Message);
        Assert.Contains("grubby", e.RecommendedAction);
    }

    [Fact]
    public void No_boot_loader_file_is_an_error_that_lists_what_was_found()
    {
        var e = Refused(null,
            ("/etc/os-release", "ID=alpine\nPRETTY_NAME=\"Alpine Linux v3.20\"\n"), ("/etc/kernel/cmdline", "quiet\n"),
            ("/proc/mounts", "/dev/sda1 / ext4 rw 0 0\n"));
        Assert.Contains("Alpine Linux v3.20", e.Message);
        Assert.Contains("/etc/kernel/cmdline", e.Message);
        Assert.Contains("read-write", e.Message);
    }

    [Fact]
    public void A_read_only_root_without_transactional_update_is_refused()
    {
        var e = Refused("sles15sp6", ("/proc/mounts", "/dev/sda2 / btrfs ro,relatime 0 0\n"));
        Assert.Contains("read-only", e.Message);
    }
}

public class KernelParameterReadTests
{
    [Fact]
    public void Sles_parameters_are_both_configured_and_running_except_what_grub_adds()
    {
        using var t = new HostConfigTestRoot("sles15sp6");
        var notes = new List<string>();
        var all = new KernelParameterConfig(t.Host).Read(notes);
        var quiet = Assert.Single(all, p => p.Name == "quiet");
        Assert.Equal(KernelParameterSource.Both, quiet.Source);
        Assert.Equal("GRUB_CMDLINE_LINUX_DEFAULT", quiet.Variable);
        Assert.Equal("/etc/default/grub", quiet.File);
        Assert.Equal(2, all.Count(p => p.Name == "crashkernel" && p.Source == KernelParameterSource.Both));
        var boot = Assert.Single(all, p => p.Name == "BOOT_IMAGE");
        Assert.Equal(KernelParameterSource.Running, boot.Source);
        Assert.Equal("/proc/cmdline", boot.File);
        Assert.DoesNotContain(all, p => p.Name == "intel_iommu");
        Assert.Empty(notes);
    }

    [Fact]
    public void Kernel_quotes_inside_shell_quotes_read_as_the_kernel_reads_them()
    {
        using var t = new HostConfigTestRoot("debian12");
        var all = new KernelParameterConfig(t.Host).Read(new List<string>());
        var osi = Assert.Single(all, p => p.Name == "acpi_osi");
        Assert.Equal("Windows 2015", osi.Value);
        Assert.Equal(KernelParameterSource.Both, osi.Source);
        // The commented-out line and the first (overridden) assignment do not count.
        Assert.DoesNotContain(all, p => p.Name == "splash");
    }

    [Fact]
    public void A_value_that_differs_gives_one_configured_and_one_running_entry()
    {
        using var t = new HostConfigTestRoot("slemicro55");
        t.Write("/etc/default/grub", t.Read("/etc/default/grub").Replace("intel_iommu=off", "intel_iommu=on"));
        var all = new KernelParameterConfig(t.Host).Read(new List<string>());
        var iommu = all.Where(p => p.Name == "intel_iommu").ToList();
        Assert.Equal(2, iommu.Count);
        Assert.Contains(iommu, p => p.Value == "on" && p.Source == KernelParameterSource.Configured);
        Assert.Contains(iommu, p => p.Value == "off" && p.Source == KernelParameterSource.Running);
        Assert.Equal(KernelParameterSource.Both, Assert.Single(all, p => p.Name == "ignition.platform.id").Source);
    }

    [Fact]
    public void Without_a_supported_boot_loader_the_running_parameters_are_still_read_with_a_note()
    {
        using var t = new HostConfigTestRoot();
        t.Write("/proc/cmdline", "root=/dev/sda1 quiet\n");
        var notes = new List<string>();
        var all = new KernelParameterConfig(t.Host).Read(notes);
        Assert.All(all, p => Assert.Equal(KernelParameterSource.Running, p.Source));
        Assert.Equal(2, all.Count);
        Assert.Contains(notes, n => n.Contains("No supported boot loader"));
    }
}
