using VirtTools.Libvirt;
using VirtTools.Provisioning;
using VirtTools.Storage;

namespace VirtTools.Guests;

public sealed partial class GuestCreator
{
    /// <summary>Opens an install source; tests replace it to count or fail reads.</summary>
    public Func<string, IInstallTreeReader> OpenInstallTree { get; set; } = InstallTreeReader.Open;

    /// <summary>
    /// -InstallSource checked and its installer found (the tree is read, nothing is fetched whole or made);
    /// null without it. Returns the install ISO to attach as a CD during the install boot, if the tree is one.
    /// </summary>
    private (InstallTree Tree, string CommandLine, string? Iso)? PlanInstallTree(GuestRequest r, List<string> warnings)
    {
        if (r.InstallSource is not { } spec) return null;
        if (r.Kernel is not null || r.Initrd is not null)
            throw new VirtToolsException("InstallSourceAndKernel", FailureKind.InvalidArgument,
                "-InstallSource boots the tree's own installer kernel; -Kernel and -Initrd name another. Nothing was created.", r.Kernel ?? r.Initrd,
                "Give -InstallSource or -Kernel/-Initrd, not both; -KernelArguments is added to the installer's command line.");
        InstallTree tree;
        using (var reader = OpenInstallTree(spec)) tree = InstallTree.Detect(reader);
        if (tree.Arch != "x86_64")
            throw new VirtToolsException("InstallTreeArchitecture", FailureKind.InvalidArgument,
                $"-InstallSource {tree.Location} is a {InstallTree.Name(tree.Flavor)} tree for {tree.Arch} only ({tree.KernelPath}); New-VMGuest makes x86_64 guests. Nothing was created.",
                tree.Location, "Give the x86_64 tree or ISO of the distribution.");
        var iso = tree.Kind == InstallSourceKind.Iso ? tree.Location : null;
        if (iso is not null && r.CdromPath is not null)
            throw new VirtToolsException("InstallSourceAndCdrom", FailureKind.InvalidArgument,
                $"-InstallSource {iso} is an ISO: it is the guest's CD during the install boot, so -CdromPath {r.CdromPath} has no drive. Nothing was created.", r.CdromPath,
                "Leave out -CdromPath (use -DriverMedia for a disc of drivers).");
        if (iso is not null && !_local)
            warnings.Add($"{_c.Uri} is another host: the install ISO is attached by its path {iso}, which must hold the same ISO there.");
        return (tree, tree.CommandLine(r.KernelArguments, warnings), iso);
    }

    /// <summary>The kernel and initrd volumes' names in the pool, and the boot XML that uses them (the final spec with the kernel and, for an ISO, the CD).</summary>
    private InstallBoot PlanInstallBoot(GuestRequest r, GuestSpec final, InstallTree tree, string commandLine, string? iso)
    {
        if (final.Disks.Count == 0)
            throw new VirtToolsException("InstallSourceNeedsDisk", FailureKind.InvalidArgument,
                "-InstallSource installs onto the guest's disk, and this guest has none. Nothing was created.", r.Name,
                "Add -NewDiskSizeBytes (e.g. 20GB), -DiskPath or -BaseImage.");
        var (pool, kernelName, kernelPath) = PlanPoolVolume(r.StoragePool, r.Name + "-install-kernel");
        var (_, initrdName, initrdPath) = PlanPoolVolume(r.StoragePool, r.Name + "-install-initrd");
        var boot = final with
        {
            Kernel = kernelPath, Initrd = initrdPath, KernelArguments = commandLine.Length == 0 ? null : commandLine,
            Bootloader = null, CdromPath = iso ?? final.CdromPath,
        };
        return new InstallBoot(tree, pool, kernelName, kernelPath, initrdName, initrdPath, commandLine, DomainXmlBuilder.BuildString(boot));
    }

    /// <summary>
    /// Fetches the installer's kernel and initrd from the tree and uploads them into their volumes through
    /// libvirt's upload stream (so it works on a remote host). Each is in <paramref name="asked"/> before the
    /// upload that makes it, so the caller's rollback removes it whatever fails after, the daemon's death
    /// included; returns the two, for the install boot to delete once QEMU has read them.
    /// </summary>
    private List<AskedVolume> UploadInstallFiles(InstallBoot boot, List<AskedVolume> asked)
    {
        using var reader = OpenInstallTree(boot.Tree.Location);
        var importer = new VolumeImporter(_c);
        var installer = new List<AskedVolume>();
        foreach (var (relative, volume, path, what) in new[]
        {
            (boot.Tree.KernelPath, boot.KernelVolume, boot.KernelPath, "the installer's kernel"),
            (boot.Tree.InitrdPath, boot.InitrdVolume, boot.InitrdPath, "the installer's initrd"),
        })
        {
            using var data = reader.Open(relative, out var length);
            var head = new byte[(int)Math.Min(length, 36 * 1024)];
            data.ReadExactly(head);
            data.Position = 0;
            // Planned first: the plan refuses a volume of that name, which is then not ours to remove.
            var plan = importer.Plan(boot.Pool, volume, $"{boot.Tree.Location} {relative}", head, length, "raw");
            var a = Ask(asked, boot.Pool, volume, path, what);
            installer.Add(a);
            var imported = importer.Import(plan, data, relative, null, CancellationToken.None);
            using var pool = _c.FindStoragePool(boot.Pool) ?? throw PoolMissing(boot.Pool);
            a.Made = pool.FindVolume(imported.Name) ?? throw new VirtToolsException("InstallVolumeGone", FailureKind.ObjectNotFound,
                $"The uploaded volume {imported.Path} is gone from pool '{boot.Pool}'. Nothing was created.", imported.Path, "Run New-VMGuest again.");
        }
        return installer;
    }

    /// <summary>
    /// The install boot: the defined guest started from the boot XML (virDomainCreateXML with its UUID: libvirt runs
    /// it as that guest and keeps the definition for the next start). QEMU has read the kernel and initrd once it
    /// runs, so their volumes go then; one that cannot be deleted is reported, not undone.
    /// </summary>
    private void StartInstallBoot(GuestPlan plan, InstallBoot boot, ILibvirtDomain defined, List<AskedVolume> installer)
    {
        using (_c.CreateDomain(boot.BootXmlFor(defined.Uuid))) { }
        foreach (var v in installer)
        {
            if (v.Made is null) continue;
            try
            {
                v.Made.Delete();
                v.Removed = true;
            }
            catch (LibvirtException e)
            {
                plan.CreateWarnings.Add($"The installer volume {v.Path} could not be deleted: {e.Message} Delete it with: virsh -c '{_c.Uri}' vol-delete {v.Path}");
            }
        }
    }
}
