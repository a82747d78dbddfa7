using VirtTools.Host;

namespace VirtTools.Testing;

/// <summary>
/// modprobe for a <see cref="SimulatedKernel"/>: loading a known module registers its driver (which
/// then attaches to matching unbound devices, as in the kernel); unknown modules fail like modprobe.
/// </summary>
public sealed class SimulatedModuleLoader : IModuleLoader
{
    private readonly SimulatedKernel _kernel;
    private readonly Dictionary<string, (string Driver, string[] Ids, bool OverrideOnly)> _available = new(StringComparer.Ordinal);
    private readonly Dictionary<string, VirtToolsException> _failures = new(StringComparer.Ordinal);
    private readonly List<string> _loaded = new();

    public SimulatedModuleLoader(SimulatedKernel kernel) => _kernel = kernel;

    /// <summary>Modules loaded so far, in order, with '-' normalized to '_'.</summary>
    public IReadOnlyList<string> Loaded => _loaded;

    /// <summary>Makes <paramref name="module"/> installed: loading it registers <paramref name="driver"/> with these IDs.</summary>
    public SimulatedModuleLoader Available(string module, string driver, string[]? ids = null, bool overrideOnly = false)
    {
        _available[Norm(module)] = (driver, ids ?? Array.Empty<string>(), overrideOnly);
        return this;
    }

    /// <summary>vfio-pci as shipped: override-only IDs.</summary>
    public SimulatedModuleLoader VfioPciAvailable() => Available("vfio_pci", "vfio-pci", null, true);

    /// <summary>Loading <paramref name="module"/> fails with this error (e.g. ModuleLoadFailed).</summary>
    public SimulatedModuleLoader Fail(string module, VirtToolsException error)
    {
        _failures[Norm(module)] = error;
        return this;
    }

    public void Load(string module)
    {
        var m = Norm(module);
        _loaded.Add(m);
        if (_failures.TryGetValue(m, out var e)) throw e;
        if (!_available.TryGetValue(m, out var spec))
            throw new VirtToolsException("ModuleLoadFailed", FailureKind.NotInstalled,
                $"modprobe {module} failed (exit 1): modprobe: FATAL: Module {module} not found in directory /lib/modules/6.1.0-sim", module,
                $"Check that the {module} module is installed for this kernel and not blacklisted in /etc/modprobe.d.");
        if (_kernel.IsRegistered(spec.Driver)) return;
        _kernel.RegisterDriver(spec.Driver, spec.Ids, spec.OverrideOnly);
        _kernel.AttachUnbound(spec.Driver);
    }

    private static string Norm(string module) => module.Replace('-', '_');
}
