namespace VirtTools.Provisioning;

/// <summary>Which installer a tree holds: decides where its kernel is and how it is told where the packages are.</summary>
public enum InstallTreeFlavor { Suse, Debian, Ubuntu, RedHat }

/// <summary>How the tree is reached from where PowerShell runs.</summary>
public enum InstallSourceKind { Directory, Iso, Url }

/// <summary>
/// One published layout of an installer's kernel and initrd inside a distribution's tree (the paths
/// virt-install --location looks for). <see cref="Initrds"/> are alternatives, first found wins.
/// </summary>
public sealed record InstallTreeLayout(InstallTreeFlavor Flavor, string Arch, string Kernel, IReadOnlyList<string> Initrds, bool DebianInstallerNetboot = false)
{
    private const string DebianNetboot = "current/images/netboot/debian-installer/amd64/";
    private const string UbuntuNetboot = "current/images/netboot/ubuntu-installer/amd64/";

    /// <summary>In the order they are tried: x86_64 first, since New-VMGuest makes x86_64 guests.</summary>
    public static readonly IReadOnlyList<InstallTreeLayout> All =
    [
        new(InstallTreeFlavor.Suse, "x86_64", "boot/x86_64/loader/linux", ["boot/x86_64/loader/initrd"]),
        new(InstallTreeFlavor.RedHat, "x86_64", "images/pxeboot/vmlinuz", ["images/pxeboot/initrd.img"]),
        new(InstallTreeFlavor.Debian, "x86_64", "install.amd/vmlinuz", ["install.amd/initrd.gz"]),
        // A mirror's installer tree, given as …/dists/SUITE/ or as …/dists/SUITE/main/installer-amd64/.
        new(InstallTreeFlavor.Debian, "x86_64", "main/installer-amd64/" + DebianNetboot + "linux", ["main/installer-amd64/" + DebianNetboot + "initrd.gz"], true),
        new(InstallTreeFlavor.Debian, "x86_64", DebianNetboot + "linux", [DebianNetboot + "initrd.gz"], true),
        new(InstallTreeFlavor.Ubuntu, "x86_64", "casper/vmlinuz", ["casper/initrd", "casper/initrd.gz", "casper/initrd.lz"]),
        new(InstallTreeFlavor.Ubuntu, "x86_64", "main/installer-amd64/" + UbuntuNetboot + "linux", ["main/installer-amd64/" + UbuntuNetboot + "initrd.gz"], true),
        new(InstallTreeFlavor.Ubuntu, "x86_64", UbuntuNetboot + "linux", [UbuntuNetboot + "initrd.gz"], true),
        new(InstallTreeFlavor.Suse, "aarch64", "boot/aarch64/linux", ["boot/aarch64/initrd"]),
    ];
}

/// <summary>An install tree whose installer kernel and initrd were found: what New-VMGuest -InstallSource boots once.</summary>
public sealed record InstallTree(string Location, InstallSourceKind Kind, InstallTreeLayout Layout, string KernelPath, string InitrdPath,
    long KernelBytes, long InitrdBytes)
{
    public InstallTreeFlavor Flavor => Layout.Flavor;
    public string Arch => Layout.Arch;

    /// <summary>The kernel and initrd of the first layout <paramref name="reader"/> holds; refuses a tree of no known layout, naming what was looked for.</summary>
    public static InstallTree Detect(IInstallTreeReader reader)
    {
        foreach (var l in InstallTreeLayout.All)
        {
            if (reader.Length(l.Kernel) is not long k) continue;
            foreach (var i in l.Initrds)
                if (reader.Length(i) is long n)
                    return new InstallTree(reader.Location, reader.Kind, l, l.Kernel, i, k, n);
        }
        var looked = string.Join(", ", InstallTreeLayout.All.Select(l => $"{l.Kernel} + {string.Join("|", l.Initrds.Select(Path.GetFileName))} ({Name(l.Flavor)})"));
        throw new VirtToolsException("InstallTreeUnknown", FailureKind.InvalidData,
            $"-InstallSource {reader.Location} holds no installer kernel and initrd of a known layout; looked for {looked}. Nothing was created.",
            reader.Location,
            "Give the root of a distribution's install tree or its install ISO (the directory that holds boot/, images/, install.amd/ or casper/), or boot a kernel of your own with -Kernel and -Initrd.");
    }

    public static string Name(InstallTreeFlavor f) => f switch
    {
        InstallTreeFlavor.Suse => "SUSE",
        InstallTreeFlavor.RedHat => "RHEL-like",
        _ => f.ToString(),
    };

    /// <summary>
    /// The installer's command line: the tree's own argument (where the packages are, in the form the distribution
    /// reads) before <paramref name="user"/>, unless the user already gave it. Warns when the installer will not
    /// find its packages by itself.
    /// </summary>
    public string CommandLine(string? user, List<string> warnings)
    {
        var ours = new List<string>();
        var userKeys = (user ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(a => a.Split('=')[0]).ToHashSet(StringComparer.Ordinal);
        void Add(string arg)
        {
            if (!userKeys.Contains(arg.Split('=')[0])) ours.Add(arg);
        }
        var name = Name(Flavor);
        switch (Flavor, Kind)
        {
            case (InstallTreeFlavor.Suse, InstallSourceKind.Url): Add("install=" + Location); break;
            case (InstallTreeFlavor.Suse, InstallSourceKind.Iso): Add("install=cd:/"); break;
            case (InstallTreeFlavor.RedHat, InstallSourceKind.Url): Add("inst.repo=" + Location); break;
            case (InstallTreeFlavor.RedHat, InstallSourceKind.Iso): Add("inst.repo=cdrom"); break;
            case (InstallTreeFlavor.Suse or InstallTreeFlavor.RedHat, InstallSourceKind.Directory):
                if (!userKeys.Contains(Flavor == InstallTreeFlavor.Suse ? "install" : "inst.repo"))
                    warnings.Add($"The {name} installer cannot reach the directory {Location} on this machine, so it will ask where its packages are. " +
                                 $"Serve the tree over http (give its URL to -InstallSource), give its ISO, or add {(Flavor == InstallTreeFlavor.Suse ? "install=" : "inst.repo=")}URL to -KernelArguments.");
                break;
            case (_, InstallSourceKind.Url) when Layout.DebianInstallerNetboot:
                foreach (var a in MirrorArguments(Location)) Add(a);
                break;
            case (InstallTreeFlavor.Ubuntu, not InstallSourceKind.Iso) when !Layout.DebianInstallerNetboot:
                if (!userKeys.Contains("url"))
                    warnings.Add($"Ubuntu's live installer (casper) finds its root file system on a CD or through url=: add -KernelArguments 'url=http://…/ubuntu-…-live-server-amd64.iso ip=dhcp', or give the ISO to -InstallSource.");
                break;
            case (InstallTreeFlavor.Debian, not InstallSourceKind.Iso) when !Layout.DebianInstallerNetboot:
                warnings.Add($"The initrd of install.amd/ is the CD installer's: it looks for the Debian CD. Give the ISO to -InstallSource, or the mirror's …/dists/SUITE/main/installer-amd64/ URL.");
                break;
        }
        if (!string.IsNullOrWhiteSpace(user)) ours.Add(user.Trim());
        return string.Join(' ', ours);
    }

    /// <summary>
    /// debian-installer's mirror questions answered from a mirror URL (…/debian/dists/SUITE/…): the netboot
    /// initrd asks for a mirror, and these preseed keys name the one the kernel came from.
    /// </summary>
    internal static IEnumerable<string> MirrorArguments(string location)
    {
        if (!System.Uri.TryCreate(location, UriKind.Absolute, out var u) || u.Scheme is not ("http" or "https")) yield break;
        var at = u.AbsolutePath.IndexOf("/dists/", StringComparison.Ordinal);
        if (at < 0) yield break;
        var directory = at == 0 ? "/" : u.AbsolutePath[..at];
        var suite = u.AbsolutePath[(at + "/dists/".Length)..].Split('/')[0];
        yield return "mirror/country=manual";
        yield return $"mirror/protocol={u.Scheme}";
        yield return $"mirror/{u.Scheme}/hostname={u.Authority}";
        yield return $"mirror/{u.Scheme}/directory={directory}";
        if (suite.Length > 0) yield return $"mirror/suite={suite}";
    }
}
