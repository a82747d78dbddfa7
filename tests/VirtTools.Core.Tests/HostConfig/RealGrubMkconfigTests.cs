using VirtTools.Host;
using VirtTools.HostConfig;

namespace VirtTools.Tests.HostConfig;

/// <summary>
/// Runs Debian's real update-grub (grub-mkconfig from grub-common) on a sandbox root: in a private
/// mount namespace the sandbox's /etc/default and /boot are bind-mounted over the machine's, so the
/// generated grub.cfg lands in the sandbox and the machine's files are never touched. Needs root,
/// unshare and grub-mkconfig; skipped otherwise.
/// </summary>
public class RealGrubMkconfigTests
{
    private sealed class SandboxFactAttribute : FactAttribute
    {
        public SandboxFactAttribute()
        {
            if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
                Skip = "needs root for a private mount namespace";
            else if (!File.Exists("/usr/sbin/grub-mkconfig") || !File.Exists("/usr/sbin/update-grub"))
                Skip = "grub-common (grub-mkconfig, update-grub) is not installed";
            else if (!File.Exists("/usr/bin/unshare"))
                Skip = "unshare (util-linux) is not installed";
            else if (!Directory.Exists("/etc/default") || !Directory.Exists("/boot"))
                Skip = "the machine has no /etc/default or /boot to mount over";
        }
    }

    /// <summary>"update-grub" run for real inside the sandbox; everything else is not installed.</summary>
    private sealed class SandboxRunner(string root) : IProcessRunner
    {
        private readonly SystemProcessRunner _system = new();
        public List<string> Calls { get; } = new();

        public ProcessResult Run(string program, IReadOnlyList<string> arguments, TimeSpan timeout)
        {
            Calls.Add(string.Join(' ', new[] { program }.Concat(arguments)));
            if (program != "update-grub" || arguments.Count != 0) throw new HostIOException(program, Errno.ENOENT);
            var script = $"mount --bind '{root}/etc/default' /etc/default && mount --bind '{root}/boot' /boot && exec update-grub";
            return _system.Run("unshare", new[] { "-m", "--propagation", "private", "sh", "-c", script }, timeout);
        }
    }

    private static HostConfigTestRoot Debian()
    {
        var t = new HostConfigTestRoot("debian12");
        t.Write("/boot/vmlinuz-6.1.0-28-amd64", "not a real kernel: grub-mkconfig only lists it\n")
         .Write("/boot/initrd.img-6.1.0-28-amd64", "not a real initrd\n");
        Directory.CreateDirectory(t.Path_("/boot/grub"));
        return t;
    }

    private static string[] LinuxLines(HostConfigTestRoot t) =>
        t.Read("/boot/grub/grub.cfg").Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("linux\t") || l.StartsWith("linux ")).ToArray();

    [SandboxFact]
    public void Update_grub_puts_the_new_parameter_on_every_normal_linux_line()
    {
        using var t = Debian();
        var runner = new SandboxRunner(t.Root);
        var host = new HostContext(t.Host.Files, t.Host.Modules, runner);

        // Baseline: the unmodified file generates lines without the parameter, so the check below can fail.
        Assert.Equal(0, runner.Run("update-grub", Array.Empty<string>(), TimeSpan.FromMinutes(2)).ExitCode);
        var before = LinuxLines(t);
        Assert.NotEmpty(before);
        Assert.DoesNotContain(before, l => l.Contains("intel_iommu"));

        new KernelParameterConfig(host).PlanSet("intel_iommu", "on").Apply(host);

        var lines = LinuxLines(t);
        // Debian's 10_linux gives GRUB_CMDLINE_LINUX_DEFAULT to the normal entries, not to recovery mode.
        var normal = lines.Where(l => !l.Contains(" single")).ToArray();
        Assert.Equal(2, normal.Length);
        Assert.All(normal, l => Assert.EndsWith("quiet pcie_aspm=off acpi_osi=\"Windows 2015\" intel_iommu=on", l));
        Assert.Contains(lines, l => l.Contains(" single") && !l.Contains("intel_iommu"));
        Assert.Equal("update-grub", runner.Calls[^1]);
    }
}
