namespace VirtTools.Host;

/// <summary>Loads modules with modprobe, which honours softdeps (vfio-pci pulls vfio_iommu_type1).</summary>
public sealed class ModprobeLoader : IModuleLoader
{
    private readonly IHostFileSystem _files;
    private readonly IProcessRunner _runner;

    public ModprobeLoader(IHostFileSystem files, IProcessRunner runner)
    {
        _files = files;
        _runner = runner;
    }

    public void Load(string module)
    {
        // On a captured root the system's modprobe would load into the kernel VirtTools runs on; a
        // scripted runner belongs to its simulated root.
        if (_files.Root != "/" && _runner is SystemProcessRunner)
            throw new VirtToolsException("ModuleLoadNotPossible", FailureKind.NotEnabled,
                $"Cannot load kernel module '{module}' on a captured host root ({_files.Root}).",
                module, "Unset VIRTTOOLS_ROOT to act on the live host.");
        var r = _runner.Run("modprobe", new[] { module }, TimeSpan.FromSeconds(60));
        if (r.ExitCode != 0)
        {
            var why = r.StandardError.Trim();
            var kind = why.Contains("not found", StringComparison.OrdinalIgnoreCase) ? FailureKind.NotInstalled : FailureKind.InvalidOperation;
            throw new VirtToolsException("ModuleLoadFailed", kind,
                $"modprobe {module} failed (exit {r.ExitCode}): {why}", module,
                $"Check that the {module} module is installed for this kernel and not blacklisted in /etc/modprobe.d.");
        }
    }
}
